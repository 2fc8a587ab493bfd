# add_step(): build the main.cpp of the current directory into build/bin/<directory name>.
# A step's own CMakeLists.txt is this one call, so a step stays one file of C++.
function(add_step)
  cmake_parse_arguments(STEP "" "" "LIBRARIES" ${ARGN})
  get_filename_component(name ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  add_executable(${name} main.cpp)
  target_link_libraries(${name} PRIVATE CLI11::CLI11 ${STEP_LIBRARIES})
endfunction()

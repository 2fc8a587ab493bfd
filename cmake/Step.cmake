# add_step(): build the main.cpp of the current directory into build/bin/<directory name>.
# A step's own CMakeLists.txt is this one call, so a step stays one file of C++. Every step includes
# the same steps/step.hpp (the plumbing); its name, STEP_PROGRAM, is the directory's name, so that
# it is written nowhere in the step.
function(add_step)
  cmake_parse_arguments(STEP "" "" "LIBRARIES" ${ARGN})
  get_filename_component(name ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  add_executable(${name} main.cpp)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/steps)
  target_compile_definitions(${name} PRIVATE STEP_PROGRAM="${name}")
  target_link_libraries(${name} PRIVATE CLI11::CLI11 ${STEP_LIBRARIES})
endfunction()

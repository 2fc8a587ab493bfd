# link_debian_library(): minirun's libraries from Debian (libseccomp, Nettle, libarchive), for the main build and
# the fuzz target's own project (tests/fuzz), which builds final/lib/base without the main build.
find_package(PkgConfig REQUIRED)

# A library from Debian, found with pkg-config, linked into `target` and all that uses it: its archive
# (`archive`, which Debian's -dev package ships) for the static minirun, the shared library otherwise.
# Further arguments name the archives a static link of it also needs (libarchive's decompressors).
function(link_debian_library target module archive)
  string(TOUPPER ${module} name)
  pkg_check_modules(${name} REQUIRED IMPORTED_TARGET ${module})
  if(MINIRUN_STATIC)
    foreach(needed ${archive} ${ARGN})
      find_library(${needed}_PATH ${needed} REQUIRED)
      target_link_libraries(${target} PUBLIC ${${needed}_PATH})
    endforeach()
    target_include_directories(${target} PUBLIC ${${name}_INCLUDE_DIRS})
  else()
    target_link_libraries(${target} PUBLIC PkgConfig::${name})
  endif()
endfunction()

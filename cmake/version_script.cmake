# Write a GNU ld version script exporting the functions the public headers
# declare. Run by the build (cmake -P) with HEADER_DIR, OUT and VERSION_NODE.
#
# A declaration is an identifier cs_... followed by "(" outside comments, or
# the name an `extern` data declaration ends with;
# functions defined `static inline` in a header are not in the library and
# are left out (GNU ld would ignore them anyway). Everything else is local.
cmake_policy(VERSION 3.18)
file(GLOB headers ${HEADER_DIR}/*.h)
list(SORT headers)
set(names "")
foreach(h ${headers})
  file(READ ${h} text)
  # strip /* ... */ and // comments (non-greedy block match, one at a time)
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")
  string(REGEX REPLACE "//[^\n]*" "" text "${text}")
  # names of static inline functions defined here
  string(REGEX MATCHALL "static[ \t\n]+inline[^(;{]*[ \t\n*](cs_[a-z0-9_]+)[ \t\n]*\\(" inl "${text}")
  set(inline_names "")
  foreach(m ${inl})
    string(REGEX REPLACE ".*[ \t\n*](cs_[a-z0-9_]+)[ \t\n]*\\($" "\\1" n "${m}")
    list(APPEND inline_names ${n})
  endforeach()
  # (a type followed by "(*", as in `cs_status (*fit)(...)`, is not a name)
  string(REGEX MATCHALL "(^|[^A-Za-z0-9_])cs_[a-z0-9_]+[ \t\n]*\\([^*]" calls "${text}")
  foreach(m ${calls})
    string(REGEX REPLACE "^[^c]*(cs_[a-z0-9_]+)[ \t\n]*\\(.$" "\\1" n "${m}")
    if(NOT n IN_LIST inline_names)
      list(APPEND names ${n})
    endif()
  endforeach()
  # exported data: extern const cs_x_vtable cs_name;
  # (the match stops before the ";", which would split a CMake list)
  string(REGEX MATCHALL "extern[ \t\n]+[^;(\"]*[ \t\n*]cs_[a-z0-9_]+" ext "${text}")
  foreach(m ${ext})
    string(REGEX REPLACE ".*[ \t\n*](cs_[a-z0-9_]+)$" "\\1" n "${m}")
    list(APPEND names ${n})
  endforeach()
endforeach()
list(REMOVE_DUPLICATES names)
list(SORT names)
set(body "${VERSION_NODE} {\n  global:\n")
foreach(n ${names})
  string(APPEND body "    ${n};\n")
endforeach()
string(APPEND body "  local:\n    *;\n};\n")
# rewrite only on change, so the library is not relinked needlessly
if(EXISTS ${OUT})
  file(READ ${OUT} old)
  if(old STREQUAL body)
    return()
  endif()
endif()
file(WRITE ${OUT} "${body}")

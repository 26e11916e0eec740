# Generate the man pages from the --help texts of the built `cogscope`
# (cmake -P, run by the build): cogscope(1), one cogscope-COMMAND(1) per
# command listed by `cogscope --help`, and one cogscope-estimate-MEASURE(1)
# per measure listed by `cogscope estimate --help`. help2man turns each text
# into roff: option lines become tagged paragraphs, "heading:" lines sections.
# Inputs: BIN (the binary), HELP2MAN, OUT_DIR, VERSION.
cmake_policy(VERSION 3.18)
file(REMOVE_RECURSE ${OUT_DIR})
file(MAKE_DIRECTORY ${OUT_DIR})

# Run help2man for `cogscope ARGS`; the page is named PAGE, its NAME line
# says SUMMARY.
function(man_page page args summary)
  execute_process(
    COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section=1
            --version-string=${VERSION} "--source=cogscope ${VERSION}" --manual=cogscope
            --name=${summary} --output=${OUT_DIR}/${page}.1 "${BIN} ${args}"
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "help2man for '${BIN} ${args}' failed: ${err}")
  endif()
  # help2man titles every page after the program (COGSCOPE); give each
  # page its own title so that `man cogscope-train` shows the right header.
  file(READ ${OUT_DIR}/${page}.1 roff)
  string(TOUPPER ${page} title)
  string(REGEX REPLACE "\n\\.TH COGSCOPE " "\n.TH ${title} " roff "${roff}")
  file(WRITE ${OUT_DIR}/${page}.1 "${roff}")
endfunction()

# `cogscope --help` lists "  NAME  summary" lines under "commands:".
execute_process(COMMAND ${BIN} --help OUTPUT_VARIABLE top RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${BIN} --help failed")
endif()
man_page(cogscope "" "observe how a neural network learns")
string(REGEX MATCHALL "\n  [a-z][a-z-]* +[^\n]+" lines "${top}")
set(commands "")
foreach(l ${lines})
  string(REGEX REPLACE "^\n  ([a-z][a-z-]*) +([^\n]+)$" "\\1" name "${l}")
  string(REGEX REPLACE "^\n  ([a-z][a-z-]*) +([^\n]+)$" "\\2" summary "${l}")
  man_page(cogscope-${name} "${name}" "${summary}")
  list(APPEND commands ${name})
endforeach()
if(NOT "estimate" IN_LIST commands)
  message(FATAL_ERROR "no 'estimate' among the commands of ${BIN} --help: ${commands}")
endif()

# `cogscope estimate --help` lists measures as "family:  m1 m2 ..." lines.
execute_process(COMMAND ${BIN} estimate --help OUTPUT_VARIABLE est)
string(REGEX MATCHALL "\n[a-z][a-z -]*: +[a-z][a-z0-9 ]+" families "${est}")
foreach(f ${families})
  string(REGEX REPLACE "^\n([a-z][a-z -]*): +" "" names "${f}")
  string(REGEX REPLACE "^\n([a-z][a-z -]*): .*" "\\1" family "${f}")
  string(REGEX REPLACE " +" ";" names "${names}")
  foreach(m ${names})
    man_page(cogscope-estimate-${m} "estimate ${m}" "${family} measure ${m} of any table")
  endforeach()
endforeach()

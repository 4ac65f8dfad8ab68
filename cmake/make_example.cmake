# Trains the small example run installed under share/spikeworm/examples (cmake -P; docs/install.md):
# -DSPIKEWORM=<the executable> -DOUT=<run folder>, run from the source tree.
file(REMOVE_RECURSE "${OUT}")
execute_process(COMMAND "${SPIKEWORM}" train configs/spiking_static_medium.toml --sessions 1 --episodes 5 --seed 1
                        --threads 1 --out "${OUT}" -q
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "training the example run failed (${rc}): ${err}")
endif()
execute_process(COMMAND "${SPIKEWORM}" eval "${OUT}" --threads 1 -q RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "evaluating the example run failed (${rc}): ${err}")
endif()
# What `energy`, `eval` and `deploy` read stays; the checkpoints (resuming only) and the lock file go.
file(REMOVE_RECURSE "${OUT}/checkpoints" "${OUT}/.spikeworm.lock")

# Sourced by the docs' table scripts (docs/tables/*.sh), from the repository's root.
# stale OUTPUT INPUT...: true when OUTPUT is missing or older than one of the inputs (a make-like rule).
stale() {
  local out=$1; shift
  [[ -e $out ]] || return 0
  for i in "$@"; do [[ $i -nt $out ]] && return 0; done
  return 1
}

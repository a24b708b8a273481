# bash completion for memprobe (installed by `make install` as
# PREFIX/share/bash-completion/completions/memprobe).  The subcommands and
# the run options, family options included, are asked from the program
# itself (`memprobe --help`, `memprobe run --help`), so they never go stale.
_memprobe() {
  local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]} cmd=${COMP_WORDS[1]:-}
  if [ "$COMP_CWORD" -eq 1 ]; then
    local commands
    commands=$("$prog" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p')
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
    return
  fi
  case $cmd in
    run|list|--*)
      if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$("$prog" run --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9_-]*' | sort -u)" -- "$cur")
      fi ;;
    plot|report|compare) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    claims) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
  esac
}
complete -F _memprobe memprobe

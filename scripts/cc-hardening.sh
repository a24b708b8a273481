#!/bin/sh
# cc-hardening.sh CC [FLAGS...] — ask the compiler which code-hardening features
# it applies with FLAGS, including those a distribution turns on by default
# (Ubuntu's gcc: -fstack-protector-strong, -fstack-clash-protection,
# -fcf-protection, _FORTIFY_SOURCE), and print them as one line of key=value
# words for machine.json ("build_flags"):
#   stack_protector=none|basic|strong|all|explicit  stack_clash_protection=on|off|unknown
#   cf_protection=none|branch|return|full|n/a  branch_protection=none|bti|pac|bti+pac|n/a
#   fortify_source=0|1|2|3  pie=on|off
# The predefined macros (-dM -E) answer for most; stack-clash protection has
# no macro, so gcc's -Q --help=common or clang's -### cc1 line answers for it.
# Never fails the build: a question the compiler cannot answer is "unknown".
cc=$1
shift
macros=$("$cc" "$@" -dM -E -x c /dev/null 2>/dev/null)
has() { printf '%s\n' "$macros" | grep -q "^#define $1 "; }
value() { printf '%s\n' "$macros" | sed -n "s/^#define $1 \([0-9]*\).*/\1/p"; }

ssp=none
if has __SSP_ALL__; then ssp=all
elif has __SSP_STRONG__; then ssp=strong
elif has __SSP_EXPLICIT__; then ssp=explicit
elif has __SSP__; then ssp=basic
fi

if has __x86_64__ || has __i386__; then
  case "$(value __CET__)" in
    1) cf=branch ;; 2) cf=return ;; 3) cf=full ;; *) cf=none ;;
  esac
else
  cf=n/a
fi

if has __aarch64__; then
  bp=none
  has __ARM_FEATURE_BTI_DEFAULT && bp=bti
  if has __ARM_FEATURE_PAC_DEFAULT; then
    [ "$bp" = bti ] && bp=bti+pac || bp=pac
  fi
else
  bp=n/a
fi

fortify=$(value _FORTIFY_SOURCE)
[ -n "$fortify" ] || fortify=0
pie=off
has __PIE__ && pie=on

if has __clang__; then
  if "$cc" "$@" -### -c -x c /dev/null -o /dev/null 2>&1 | grep -q -- '"-fstack-clash-protection"'; then clash=on; else clash=off; fi
else
  line=$("$cc" "$@" -Q --help=common 2>/dev/null | grep -E '^ *-fstack-clash-protection[[:space:]]')
  case "$line" in
    *'[enabled]'*) clash=on ;; *'[disabled]'*) clash=off ;; *) clash=unknown ;;
  esac
fi

echo "stack_protector=$ssp stack_clash_protection=$clash cf_protection=$cf branch_protection=$bp fortify_source=$fortify pie=$pie"

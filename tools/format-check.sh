#!/usr/bin/env bash
# List the C sources and headers that are not in the house format (.clang-format)
# and exit 1 when there is one; changes nothing. Same as tools/format.sh --check.
# usage: tools/format-check.sh [FILE...]
exec bash "$(dirname "$0")/format.sh" --check "$@"

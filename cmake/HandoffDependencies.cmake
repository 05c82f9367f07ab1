# Every dependency comes from Debian's packages (scripts/setup.sh installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(handoff_utf8proc REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(handoff_re2 REQUIRED IMPORTED_TARGET re2)
find_package(fmt REQUIRED)
find_package(date REQUIRED)  # Howard Hinnant's date: IANA time zones for business hours
find_package(nlohmann_json 3.10 REQUIRED)
find_package(SQLite3 REQUIRED)  # the embedded default store

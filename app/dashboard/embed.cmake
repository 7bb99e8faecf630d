# Writes OUT, a C++ file defining parley::dashboard_page(), with IN (the dashboard's
# index.html) as a raw string literal. Run by app/CMakeLists.txt whenever IN changes:
#   cmake -DIN=index.html -DOUT=dashboard_page.cpp -P embed.cmake
file(READ "${IN}" page)
string(FIND "${page}" ")PARLEYPAGE\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains )PARLEYPAGE\", which would end the raw string early")
endif()
file(WRITE "${OUT}"
  "// Generated from app/dashboard/index.html by app/dashboard/embed.cmake: edit those.\n"
  "#include \"app/dashboard_page.hpp\"\n\n"
  "namespace parley {\n\n"
  "namespace {\n"
  "constexpr char page[] = R\"PARLEYPAGE(${page})PARLEYPAGE\";\n"
  "}  // namespace\n\n"
  "std::string_view dashboard_page() { return {page, sizeof page - 1}; }\n\n"
  "}  // namespace parley\n")

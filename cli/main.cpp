#include "app.h"

int main(int argc, char** argv) { return pipe_cli::run(argc, argv); }

/*
 * serve.h: `searcher serve`, the long-running HTTP/JSON server over one index directory
 * (stage: ranked hits -> output, for scripts and services).  bin/searcher's main() hands
 * over to poisk_serve_main() when argv[1] is "serve".
 */
#ifndef POISK_SERVE_H
#define POISK_SERVE_H

/*! poisk_serve_main() : run the server until SIGTERM/SIGINT; argv[0] is "serve".
 *  @return : exit code: 0 clean stop, 1 runtime error (index, bind), 2 usage error */
int poisk_serve_main(int argc, char **argv);

#endif

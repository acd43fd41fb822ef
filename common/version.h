/* version.h: crest's version, written into every output file's metadata. */
#ifndef CREST_VERSION_H
#define CREST_VERSION_H
#define CREST_VERSION "0.1.0"
#endif

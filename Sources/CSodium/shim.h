// Only the libsodium header; Swift calls the C API directly, no wrappers needed.
#include <sodium.h>

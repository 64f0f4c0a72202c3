// Only the libarchive headers; Swift calls the C API directly, no wrappers needed.
#include <archive.h>
#include <archive_entry.h>

#include "trace/trace-hw_i386_vtm.h"

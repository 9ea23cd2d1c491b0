// The one escaper for untrusted text lives in core (shared with @reef/hdf5 and the apps); the store's
// modules import it from here.
export { printable } from '@reef/core/printable';

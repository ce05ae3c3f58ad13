export { ERRORS, EXIT, type ErrorCode, type ErrorDef } from './catalog.js';
export { TlorcError, isTlorcError, toTlorcError, type ErrorBody, type TlorcErrorOptions } from './tlorc-error.js';

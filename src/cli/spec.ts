/** The CLI's compact policy forms (--band relative:0.25, --to inner:0.5, --check monthly|20): see policy/parse.ts. */
export { parseBand, parseCheck, parseMode } from '../policy/parse.js';

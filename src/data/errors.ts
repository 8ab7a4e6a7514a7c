export { UserError, isUserError } from '../errors.js';

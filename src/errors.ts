/**
 * A mistake in the user's input (a file, a flag, an experiment field). The CLI prints only
 * its message, one paragraph naming the file/row/field, the value and the fix, and exits 2;
 * never a stack trace.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string) {
    super(message);
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof Error && e.name === 'UserError';
}

/** "a" or "an" before a word, for user messages ("an absolute width", "an int distribution"). */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) && !/^(uni|use|eu|one)/i.test(word) ? 'an' : 'a';
}

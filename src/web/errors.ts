/** Thrown anywhere to answer 404: also how invisible and other-practice rows answer. */
export class NotFound extends Error {
  constructor(message = 'not found') {
    super(message);
  }
}

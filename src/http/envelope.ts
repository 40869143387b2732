/** The success envelope every JSON response carries (design.md §5); errors use AppError.toJSON. */
export interface Envelope<T> {
  readonly statusCode: number;
  readonly message: string;
  readonly data: T;
}

export function envelope<T>(statusCode: number, message: string, data: T): Envelope<T> {
  return { statusCode, message, data };
}

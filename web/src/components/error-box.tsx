/** An API error as the user should read it: the API's sentence, its code, and every detail it listed. */
import type { ApiError } from '../api/api-client.ts';

export function ErrorBox({ error, title }: { readonly error: ApiError | undefined; readonly title?: string }) {
  if (error === undefined) return null;
  return (
    <div class="error-box" role="alert">
      <p>
        <strong>{title ?? 'cowsnap refused:'}</strong> {error.message}
        {error.status > 0 && (
          <span class="error-code">
            {' '}
            ({error.status} {error.code})
          </span>
        )}
      </p>
      {error.details.length > 0 && (
        <ul class="error-details">
          {error.details.map((detail, index) => (
            <li key={index}>
              {detail.path !== '' && <code>{detail.path}</code>} {detail.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

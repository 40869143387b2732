/** Expiry in whole days (1–3650) or permanent, as the API takes it. */
export interface ExpiryChoice {
  readonly permanent: boolean;
  readonly days: string;
}

/** The API value: days, or null for permanent. An unparsable number goes through so the API names the problem. */
export function expiryValue(choice: ExpiryChoice): number | null {
  if (choice.permanent) return null;
  return Number(choice.days);
}

export function ExpiryField({ idPrefix, value, onChange }: { readonly idPrefix: string; readonly value: ExpiryChoice; readonly onChange: (v: ExpiryChoice) => void }) {
  return (
    <fieldset class="field expiry">
      <legend>Expiry</legend>
      <label class="inline">
        <input
          type="checkbox"
          checked={value.permanent}
          onChange={(event) => {
            onChange({ ...value, permanent: event.currentTarget.checked });
          }}
        />{' '}
        Permanent (never expires)
      </label>
      {!value.permanent && (
        <label class="inline" for={`${idPrefix}-expiry-days`}>
          Expires after{' '}
          <input
            id={`${idPrefix}-expiry-days`}
            type="number"
            min={1}
            max={3650}
            step={1}
            inputMode="numeric"
            value={value.days}
            onInput={(event) => {
              onChange({ ...value, days: event.currentTarget.value });
            }}
          />{' '}
          days
        </label>
      )}
    </fieldset>
  );
}

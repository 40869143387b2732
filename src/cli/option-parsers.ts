import { InvalidArgumentError } from 'commander';

/** A whole number within range, or a usage error commander prints with the option's name. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number.`);
    const number = Number(value);
    if (number < min || number > max) throw new InvalidArgumentError(`${value} is outside ${min}–${max}.`);
    return number;
  };
}

/** For repeatable options: --tag a --tag b → ['a', 'b']. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Path segment for a container, snapshot or schedule reference typed by a user. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** Days as "90" or "90d", within range (the CLI spelling of an expiry). */
export function daysIn(min: number, max: number): (value: string) => number {
  const whole = integerIn(min, max);
  return (value) => whole(value.endsWith('d') ? value.slice(0, -1) : value);
}

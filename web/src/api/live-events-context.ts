/** The session's event stream for every page below the sign-in gate; null where none is open (tests). */
import { createContext } from 'preact';
import type { LiveEvents } from './live-events.ts';

export const LiveEventsContext = createContext<LiveEvents | null>(null);

/** What a coordinator wrote (and to whom) is kept a year, like the message history of the people it reached; then the nightly job deletes it. */
export const MESSAGE_RECORD_DAYS = 365;

export { countMessagesBefore } from './messages.queries';

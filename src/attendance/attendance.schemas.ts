import { z } from 'zod';
import { pageNumber } from '../shared/paging';
import { isAttendanceStatus, type AttendanceStatus } from './attendance-rules';

/**
 * Roll call posts one choice per person on the page: status_<userId>=present|late|excused|absent.
 * An empty choice (a person not yet recorded and left as is) changes nothing, so only the
 * people a trainer actually marked are written.
 */
export const rollCallSchema = z
  .record(z.string(), z.unknown())
  .transform((body, context) => {
    const statuses: Record<number, AttendanceStatus> = {};
    for (const [key, value] of Object.entries(body)) {
      const match = /^status_(\d+)$/.exec(key);
      if (!match || value === '') continue;
      if (!isAttendanceStatus(value)) {
        context.addIssue({ code: 'custom', path: [key], message: 'attendance.errors.statusUnknown' });
        continue;
      }
      statuses[Number(match[1])] = value;
    }
    return statuses;
  });

/** Search and page of a list of people (roll call, matrix): lenient, a garbled value shows everybody from page 1. */
export const peopleFilterSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  page: z.unknown().optional().transform((value) => pageNumber(value)),
});

export const checkInSchema = z.object({
  code: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(20, 'attendance.errors.codeInvalid'),
});

export const excuseSchema = z.object({
  reason: z.string({ error: 'validation.required' }).trim().min(3, 'attendance.errors.reasonTooShort').max(2000, 'validation.tooLong'),
});

import { z } from 'zod';
import { isAttendanceStatus, type AttendanceStatus } from './attendance-rules';

/** Roll call posts one radio group per person: status_<userId>=present|late|excused|absent. */
export const rollCallSchema = z
  .record(z.string(), z.unknown())
  .transform((body, context) => {
    const statuses: Record<number, AttendanceStatus> = {};
    for (const [key, value] of Object.entries(body)) {
      const match = /^status_(\d+)$/.exec(key);
      if (!match) continue;
      if (!isAttendanceStatus(value)) {
        context.addIssue({ code: 'custom', path: [key], message: 'validation.selectOne' });
        continue;
      }
      statuses[Number(match[1])] = value;
    }
    return statuses;
  });

export const checkInSchema = z.object({
  code: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(20, 'attendance.errors.codeInvalid'),
});

export const excuseSchema = z.object({
  reason: z.string({ error: 'validation.required' }).trim().min(3, 'attendance.errors.reasonTooShort').max(2000, 'validation.tooLong'),
});

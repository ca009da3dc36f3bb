import { addDays } from '../../lib/date-format';
import type { DateRange } from './analytics.api';

/** Every day of the range, so days without activity show as zero instead of disappearing from a chart. */
export const daysOf = (range: DateRange): string[] => {
  const days: string[] = [];
  for (let day = range.from; day <= range.to && days.length < 800; day = addDays(day, 1)) days.push(day);
  return days;
};

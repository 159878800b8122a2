const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTH = `(${MONTHS.join("|")})`;
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";

// The three forms RFC 9110 §5.6.7 requires recipients to accept; Date.parse is not used because it
// accepts (and guesses at) far more than that, differently per engine.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

function build(
  year: number,
  month: string,
  day: number,
  hours: number,
  minutes: number,
  seconds: number,
): number | undefined {
  const monthIndex = MONTHS.indexOf(month);
  // 60 seconds is a leap second; the date arithmetic folds it into the next minute.
  if (day < 1 || day > 31 || hours > 23 || minutes > 59 || seconds > 60) return undefined;
  const time = Date.UTC(year, monthIndex, day, hours, minutes, seconds);
  // Reject days the month does not have (Feb 30 would silently become Mar 2).
  if (new Date(time).getUTCDate() !== day && seconds !== 60) return undefined;
  return time;
}

/**
 * Parses an HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms) into epoch
 * milliseconds; `undefined` when `value` is none of them.
 *
 * @param now epoch ms used to place a two-digit RFC 850 year in its century (RFC 9110: a year more
 *   than 50 years in the future means the previous century).
 *
 * @example
 * ```ts
 * parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"); // 784111777000
 * parseHttpDate("Sun Nov  6 08:49:37 1994"); // 784111777000
 * parseHttpDate("1994-11-06"); // undefined
 * ```
 */
export function parseHttpDate(value: string, now: number = Date.now()): number | undefined {
  const text = value.trim();
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) {
    const [, day, month, year, h, m, s] = match;
    return build(Number(year), month!, Number(day), Number(h), Number(m), Number(s));
  }
  match = RFC_850.exec(text);
  if (match !== null) {
    const [, day, month, yy, h, m, s] = match;
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(yy);
    if (year > thisYear + 50) year -= 100;
    return build(year, month!, Number(day), Number(h), Number(m), Number(s));
  }
  match = ASCTIME.exec(text);
  if (match !== null) {
    const [, month, day, h, m, s, year] = match;
    return build(Number(year), month!, Number(day!.trim()), Number(h), Number(m), Number(s));
  }
  return undefined;
}

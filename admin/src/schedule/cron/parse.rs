//! From text to Quartz's value sets.
//!
//! The sets and their encoding are Quartz's, because `super::next` ports the algorithm that
//! reads them: plain values; ranges that wrap (`22-2`, `NOV-FEB`, `FRI-MON`); `a/n` stepping
//! from `a` to the field's maximum; day-of-month `L-n` stored as `LAST_DAY - n` beside the
//! plain days; `nW` in a separate set; `nL` and `n#k` as flags beside the day-of-week set.
//!
//! Quartz's own parser accepts some input by ignoring part of it (`15X` means 15, `*-5`
//! means `*`, `MON-FRI/2` means `MON-FRI`, `?X` is allowed). We reject those with a message
//! instead: a schedule that silently means something else than it says is worse than an error.
//! Everything Quartz parses *as written* is accepted and means the same.

use super::{CronError, CronField, Sets};

/// Day-of-month encoding of `L` (the last day); `L-n` is `LAST_DAY - n`.
pub(super) const LAST_DAY: i64 = 62;
/// Smallest `L-n` code (`L-30`); plain days are below it.
pub(super) const LAST_DAY_OFFSET_START: i64 = 32;
/// Largest `n` in `L-n`, as in Quartz.
const MAX_LAST_DAY_OFFSET: i64 = 30;
/// First year a cron year field may name (Quartz: 1970, the epoch).
pub(super) const MIN_YEAR: i64 = 1970;
/// Last year: `*` in the year field runs to here, and an expression that has not fired by
/// then never will. Quartz uses "this year + 100"; a constant keeps `next_after` a pure
/// function, and the difference only shows for fires more than a century away.
pub(super) const MAX_YEAR: i64 = 2299;

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
/// Full names, accepted too: Quartz reads only the first three letters of a name, so
/// `MONDAY` works in XXL-JOB and must keep working here.
const FULL_MONTHS: [&str; 12] = [
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
];
const FULL_DAYS: [&str; 7] = [
    "SUNDAY",
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
];

/// Parses an upper-cased expression.
pub(super) fn parse(expression: &str) -> Result<Sets, CronError> {
    let tokens: Vec<&str> = expression
        .split([' ', '\t'])
        .filter(|t| !t.is_empty())
        .collect();
    if !(6..=7).contains(&tokens.len()) {
        return Err(CronError::whole(format!(
            "expected 6 or 7 fields (second minute hour day-of-month month day-of-week [year]), \
             found {}",
            tokens.len()
        )));
    }
    let mut sets = Sets::default();
    for (field, token) in CronField::ALL.into_iter().zip(&tokens) {
        parse_field(&mut sets, field, token)?;
    }
    if tokens.len() == 6 {
        sets.years.extend(MIN_YEAR..=MAX_YEAR);
    }
    match (sets.dom_unspecified, sets.dow_unspecified) {
        (true, true) => Err(CronError::whole(
            "'?' can stand in day-of-month or in day-of-week, not in both",
        )),
        (false, false) => Err(CronError::whole(
            "one of day-of-month and day-of-week must be '?' (Quartz does not support \
             specifying both), e.g. '0 0 12 * * ?' or '0 0 12 ? * MON'",
        )),
        _ => Ok(sets),
    }
}

fn parse_field(sets: &mut Sets, field: CronField, token: &str) -> Result<(), CronError> {
    let err = |message: String| CronError::in_field(field, message);
    if token.contains('?') {
        if token != "?" {
            return Err(err(format!("'?' must stand alone, found '{token}'")));
        }
        return match field {
            CronField::DayOfMonth => {
                sets.dom_unspecified = true;
                Ok(())
            }
            CronField::DayOfWeek => {
                sets.dow_unspecified = true;
                Ok(())
            }
            _ => Err(err(
                "'?' is only allowed in day-of-month and day-of-week".into()
            )),
        };
    }
    if field == CronField::DayOfWeek && token.contains(',') {
        if token.contains('L') {
            return Err(err(format!(
                "'L' cannot be combined with other days of the week in '{token}'"
            )));
        }
        if token.contains('#') {
            return Err(err(format!(
                "'#' cannot be combined with other days of the week in '{token}'"
            )));
        }
    }
    for item in token.split(',') {
        if item.is_empty() {
            return Err(err(format!("empty list item in '{token}'")));
        }
        Item {
            field,
            text: item,
            pos: 0,
        }
        .parse_into(sets)?;
    }
    Ok(())
}

/// A value as written: a number, or a month/day name (which may not be mixed with numbers
/// within one item, as in Quartz).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Atom {
    Number(i64),
    Name(i64),
}

impl Atom {
    fn value(self) -> i64 {
        match self {
            Self::Number(v) | Self::Name(v) => v,
        }
    }
}

/// One comma-separated item of one field, with a cursor.
struct Item<'a> {
    field: CronField,
    text: &'a str,
    pos: usize,
}

impl Item<'_> {
    fn err(&self, message: impl Into<String>) -> CronError {
        CronError::in_field(self.field, message)
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn unexpected(&self) -> CronError {
        match self.text[self.pos..].chars().next() {
            Some(c) => self.err(format!("unexpected '{c}' in '{}'", self.text)),
            None => self.err(format!("'{}' ends too early", self.text)),
        }
    }

    fn expect_end(&self) -> Result<(), CronError> {
        if self.pos == self.text.len() {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// The field's valid values, and the modulus used when a range wraps around.
    fn bounds(&self) -> (i64, i64, Option<i64>) {
        match self.field {
            CronField::Second | CronField::Minute => (0, 59, Some(60)),
            CronField::Hour => (0, 23, Some(24)),
            CronField::DayOfMonth => (1, 31, Some(31)),
            CronField::Month => (1, 12, Some(12)),
            CronField::DayOfWeek => (1, 7, Some(7)),
            CronField::Year => (MIN_YEAR, MAX_YEAR, None),
        }
    }

    /// Largest step Quartz accepts for the field (`checkIncrementRange`).
    fn max_step(&self) -> i64 {
        match self.field {
            CronField::Second | CronField::Minute => 59,
            CronField::Hour => 23,
            CronField::DayOfMonth => 31,
            CronField::Month => 12,
            CronField::DayOfWeek => 7,
            CronField::Year => MAX_YEAR - MIN_YEAR,
        }
    }

    fn parse_into(mut self, sets: &mut Sets) -> Result<(), CronError> {
        let (lo, hi, _) = self.bounds();
        match self.peek() {
            Some(b'*') => {
                self.pos += 1;
                let step = if self.peek() == Some(b'/') {
                    self.step()?
                } else {
                    1
                };
                self.expect_end()?;
                self.add_range(sets, lo, hi, step)
            }
            Some(b'/') => {
                let step = self.step()?;
                self.expect_end()?;
                self.add_range(sets, lo, hi, step)
            }
            Some(b'L') if self.field == CronField::DayOfMonth => self.last_day_of_month(sets),
            Some(b'L') if self.field == CronField::DayOfWeek => {
                // Alone, `L` in day-of-week is simply 7 = SAT (Quartz).
                self.pos += 1;
                self.expect_end()?;
                sets.days_of_week.insert(7);
                Ok(())
            }
            _ => self.value_item(sets),
        }
    }

    /// `L`, `L-n`, `LW`, `L-nW` in day-of-month.
    fn last_day_of_month(&mut self, sets: &mut Sets) -> Result<(), CronError> {
        self.pos += 1; // 'L'
        let mut code = LAST_DAY;
        if self.eat(b'-') {
            let offset = self.number()?;
            if offset > MAX_LAST_DAY_OFFSET {
                return Err(self.err(format!(
                    "offset from the last day must be at most {MAX_LAST_DAY_OFFSET}, found \
                     '{}'",
                    self.text
                )));
            }
            code -= offset;
        }
        let nearest_weekday = self.eat(b'W');
        self.expect_end()?;
        if nearest_weekday {
            sets.nearest_weekdays.insert(code);
        } else {
            sets.days_of_month.insert(code);
        }
        Ok(())
    }

    /// `v`, `a-b`, `a/n`, `a-b/n`, and the suffixes `nW`, `nL`, `n#k`.
    fn value_item(&mut self, sets: &mut Sets) -> Result<(), CronError> {
        let (_, hi, _) = self.bounds();
        let start = self.atom()?;
        self.check_in_range(start.value())?;
        match self.peek() {
            None => self.add_range(sets, start.value(), start.value(), 1),
            Some(b'-') => {
                self.pos += 1;
                let end = self.atom()?;
                if matches!(start, Atom::Name(_)) != matches!(end, Atom::Name(_)) {
                    return Err(self.err(format!(
                        "a range must use two names or two numbers, found '{}'",
                        self.text
                    )));
                }
                self.check_in_range(end.value())?;
                let step = match (self.peek(), start) {
                    (Some(b'/'), Atom::Number(_)) => self.step()?,
                    _ => 1,
                };
                self.expect_end()?;
                self.add_range(sets, start.value(), end.value(), step)
            }
            Some(b'/') if matches!(start, Atom::Number(_)) => {
                let step = self.step()?;
                self.expect_end()?;
                // `a/n` runs from `a` to the field's maximum, as in Quartz.
                self.add_range(sets, start.value(), hi, step)
            }
            Some(b'W') if self.field == CronField::DayOfMonth => {
                self.pos += 1;
                self.expect_end()?;
                sets.nearest_weekdays.insert(start.value());
                Ok(())
            }
            Some(b'L') if self.field == CronField::DayOfWeek => {
                self.pos += 1;
                self.expect_end()?;
                sets.days_of_week.insert(start.value());
                sets.last_day_of_week = true;
                Ok(())
            }
            Some(b'#') if self.field == CronField::DayOfWeek => {
                self.pos += 1;
                let nth = match self.number() {
                    Ok(n) if (1..=5).contains(&n) && self.pos == self.text.len() => n,
                    _ => {
                        return Err(self.err(format!(
                            "'#' must be followed by a number from 1 to 5 (e.g. 6#3), found \
                             '{}'",
                            self.text
                        )));
                    }
                };
                sets.days_of_week.insert(start.value());
                sets.nth_day_of_week = nth;
                Ok(())
            }
            Some(b'W' | b'L' | b'#') => Err(self.err(format!(
                "'{}' is not allowed in the {} field ('{}')",
                char::from(self.text.as_bytes()[self.pos]),
                self.field,
                self.text
            ))),
            _ => Err(self.unexpected()),
        }
    }

    /// A number, or (month / day-of-week fields) a three-letter name.
    fn atom(&mut self) -> Result<Atom, CronError> {
        match self.peek() {
            Some(b'0'..=b'9') => self.number().map(Atom::Number),
            Some(b'A'..=b'Z') => {
                let rest = &self.text[self.pos..];
                let name = rest.get(..3).unwrap_or(rest);
                let (names, full): (&[&str], &[&str]) = match self.field {
                    CronField::Month => (&MONTHS, &FULL_MONTHS),
                    CronField::DayOfWeek => (&DAYS, &FULL_DAYS),
                    _ => {
                        return Err(self.err(format!(
                            "names are only allowed in month and day-of-week, found '{}'",
                            self.text
                        )));
                    }
                };
                let index = names.iter().position(|n| *n == name).ok_or_else(|| {
                    self.err(format!(
                        "'{name}' is not a {} name ({}-{})",
                        if self.field == CronField::Month {
                            "month"
                        } else {
                            "day"
                        },
                        names[0],
                        names[names.len() - 1]
                    ))
                })?;
                let full_name = full[index];
                self.pos += if rest.starts_with(full_name) {
                    full_name.len()
                } else {
                    3
                };
                Ok(Atom::Name(index as i64 + 1))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn number(&mut self) -> Result<i64, CronError> {
        let digits = self.text[self.pos..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits == 0 {
            return Err(self.unexpected());
        }
        let text = &self.text[self.pos..self.pos + digits];
        self.pos += digits;
        text.parse::<i64>()
            .map_err(|_| self.err(format!("{text} is too large")))
    }

    /// `/n` with 1 <= n <= the field's limit.
    fn step(&mut self) -> Result<i64, CronError> {
        self.pos += 1; // '/'
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.err(format!(
                "'/' must be followed by a number, found '{}'",
                self.text
            )));
        }
        let step = self.number()?;
        let max = self.max_step();
        if !(1..=max).contains(&step) {
            return Err(self.err(format!("step {step} is out of range 1-{max}")));
        }
        Ok(step)
    }

    fn check_in_range(&self, value: i64) -> Result<(), CronError> {
        let (lo, hi, _) = self.bounds();
        if (lo..=hi).contains(&value) {
            Ok(())
        } else {
            Err(self.err(format!("{value} is out of range {lo}-{hi}")))
        }
    }

    /// Quartz's `addToSet`: `start..=stop` by `step`; a range whose end is before its start
    /// wraps around the field (`22-2` = 22,23,0,1,2), except for years.
    fn add_range(
        &self,
        sets: &mut Sets,
        start: i64,
        stop: i64,
        step: i64,
    ) -> Result<(), CronError> {
        let (_, _, modulus) = self.bounds();
        let set = match self.field {
            CronField::Second => &mut sets.seconds,
            CronField::Minute => &mut sets.minutes,
            CronField::Hour => &mut sets.hours,
            CronField::DayOfMonth => &mut sets.days_of_month,
            CronField::Month => &mut sets.months,
            CronField::DayOfWeek => &mut sets.days_of_week,
            CronField::Year => &mut sets.years,
        };
        let (stop, modulus) = match (stop < start, modulus) {
            (false, _) => (stop, None),
            (true, Some(m)) => (stop + m, Some(m)),
            (true, None) => {
                return Err(self.err(format!(
                    "the start year must not be after the end year, found '{}'",
                    self.text
                )));
            }
        };
        let one_based = matches!(
            self.field,
            CronField::DayOfMonth | CronField::Month | CronField::DayOfWeek
        );
        let mut i = start;
        while i <= stop {
            let value = match modulus {
                Some(m) if i % m == 0 && one_based => m,
                Some(m) => i % m,
                None => i,
            };
            set.insert(value);
            i += step;
        }
        Ok(())
    }
}

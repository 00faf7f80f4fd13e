//! [`Statement`]: SQL text and its bound values, built with plain string appends.
//!
//! Why not sqlx's `QueryBuilder`: it appends every fragment through `fmt::Write` (`write!`
//! of a `Display`), a separator through `format_args!`, which for the dispatch path's batch
//! statements (a `CASE` update writes four fragments per row and column) was about 6 % of
//! the admin's instructions per fire (callgrind, BENCHMARKS.md "What was changed" 17). The
//! batch statements are built here; the few statements built once per request (filters,
//! job writes) keep `QueryBuilder`.

use sqlx::error::BoxDynError;
use sqlx::query::{Query, QueryAs};
use sqlx::{AssertSqlSafe, Database, FromRow, IntoArguments};

use super::bind::{Binder, Value};

/// A statement being built: its text with a `?` per bound value, and the values in order.
/// Both MySQL and SQLite take `?` placeholders.
pub(crate) struct Statement<DB: Database> {
    sql: String,
    /// The values bound so far, or the first that could not be encoded (reported when the
    /// statement is taken to run, as sqlx's `Error::Encode`).
    args: Result<DB::Arguments, BoxDynError>,
}

impl<DB: Binder> Statement<DB> {
    /// A statement starting with `sql`.
    pub fn new(sql: &str) -> Self {
        let mut text = String::with_capacity(sql.len().max(256));
        text.push_str(sql);
        Self {
            sql: text,
            args: Ok(DB::Arguments::default()),
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: Value) -> &mut Self {
        if let Ok(args) = &mut self.args
            && let Err(e) = DB::add(args, value)
        {
            self.args = Err(e);
        }
        self.sql.push('?');
        self
    }

    /// Appends `?, ?, …` bound to `values`.
    pub fn list(&mut self, values: impl IntoIterator<Item = Value>) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(value);
        }
        self
    }

    /// The statement's text (for tests).
    #[cfg(test)]
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The statement, to execute.
    pub fn query(self) -> Result<Query<'static, DB, DB::Arguments>, sqlx::Error>
    where
        DB::Arguments: IntoArguments<DB>,
    {
        let args = self.args.map_err(sqlx::Error::Encode)?;
        Ok(sqlx::query_with(AssertSqlSafe(self.sql), args))
    }

    /// The statement, to read rows of `T` with.
    pub fn query_as<T>(self) -> Result<QueryAs<'static, DB, T, DB::Arguments>, sqlx::Error>
    where
        DB::Arguments: IntoArguments<DB>,
        for<'r> T: FromRow<'r, DB::Row>,
    {
        let args = self.args.map_err(sqlx::Error::Encode)?;
        Ok(sqlx::query_as_with(AssertSqlSafe(self.sql), args))
    }
}

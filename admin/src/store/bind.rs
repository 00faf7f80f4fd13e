//! Every kind of value Jobwheel binds into SQL, and the one place that states both
//! databases can encode them.
//!
//! Why: code generic over a sqlx database must otherwise repeat `for<'q> T: Encode<'q, DB>`
//! for each bound type on every generic function. Here the bounds sit on one blanket impl
//! of [`Binder`], a supertrait of [`super::dialect::Dialect`], so generic code only says
//! `DB: Dialect` and binds with `.arg(value)`.

use chrono::NaiveDateTime;
use sqlx::error::BoxDynError;
use sqlx::query::{Query, QueryAs};
use sqlx::query_builder::Separated;
use sqlx::{Arguments, Database, Encode, QueryBuilder, Type};

use super::sql::seconds;

/// A bound value. Text and times are nullable; times are cut to whole seconds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Int(i32),
    Long(i64),
    MaybeLong(Option<i64>),
    Text(Option<String>),
    Time(Option<NaiveDateTime>),
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Self::Int(v)
    }
}

impl From<i8> for Value {
    fn from(v: i8) -> Self {
        Self::Int(v.into())
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Long(v)
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Self::MaybeLong(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_string()))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Self::Text(Some(v.clone()))
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Self::Text(v.map(str::to_string))
    }
}

impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Self {
        Self::Text(v.clone())
    }
}

impl From<NaiveDateTime> for Value {
    fn from(v: NaiveDateTime) -> Self {
        Self::Time(Some(seconds(v)))
    }
}

impl From<Option<NaiveDateTime>> for Value {
    fn from(v: Option<NaiveDateTime>) -> Self {
        Self::Time(v.map(seconds))
    }
}

/// A database that can encode every [`Value`].
pub(crate) trait Binder: Database {
    /// Appends `value` to a query's arguments.
    fn bind_query(
        query: Query<'_, Self, Self::Arguments>,
        value: Value,
    ) -> Query<'_, Self, Self::Arguments>;
    /// Appends `value` to a typed query's arguments.
    fn bind_query_as<O>(
        query: QueryAs<'_, Self, O, Self::Arguments>,
        value: Value,
    ) -> QueryAs<'_, Self, O, Self::Arguments>;
    /// Appends `value` to a list of arguments.
    fn add(args: &mut Self::Arguments, value: Value) -> Result<(), BoxDynError>;
    /// Appends a placeholder and its value to a builder.
    fn push(builder: &mut QueryBuilder<Self>, value: Value);
    /// Appends a placeholder and its value to a separated list, without a separator.
    fn push_unseparated(list: &mut Separated<'_, Self, &'static str>, value: Value);
}

impl<DB: Database> Binder for DB
where
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<NaiveDateTime>: Encode<'q, DB> + Type<DB>,
{
    fn bind_query(
        query: Query<'_, DB, DB::Arguments>,
        value: Value,
    ) -> Query<'_, DB, DB::Arguments> {
        match value {
            Value::Int(v) => query.bind(v),
            Value::Long(v) => query.bind(v),
            Value::MaybeLong(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::Time(v) => query.bind(v),
        }
    }

    fn bind_query_as<O>(
        query: QueryAs<'_, DB, O, DB::Arguments>,
        value: Value,
    ) -> QueryAs<'_, DB, O, DB::Arguments> {
        match value {
            Value::Int(v) => query.bind(v),
            Value::Long(v) => query.bind(v),
            Value::MaybeLong(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::Time(v) => query.bind(v),
        }
    }

    fn add(args: &mut DB::Arguments, value: Value) -> Result<(), BoxDynError> {
        match value {
            Value::Int(v) => args.add(v),
            Value::Long(v) => args.add(v),
            Value::MaybeLong(v) => args.add(v),
            Value::Text(v) => args.add(v),
            Value::Time(v) => args.add(v),
        }
    }

    fn push(builder: &mut QueryBuilder<DB>, value: Value) {
        match value {
            Value::Int(v) => builder.push_bind(v),
            Value::Long(v) => builder.push_bind(v),
            Value::MaybeLong(v) => builder.push_bind(v),
            Value::Text(v) => builder.push_bind(v),
            Value::Time(v) => builder.push_bind(v),
        };
    }

    fn push_unseparated(list: &mut Separated<'_, DB, &'static str>, value: Value) {
        match value {
            Value::Int(v) => list.push_bind_unseparated(v),
            Value::Long(v) => list.push_bind_unseparated(v),
            Value::MaybeLong(v) => list.push_bind_unseparated(v),
            Value::Text(v) => list.push_bind_unseparated(v),
            Value::Time(v) => list.push_bind_unseparated(v),
        };
    }
}

/// `.arg(value)` on sqlx queries of any [`Binder`] database.
pub(crate) trait Arg: Sized {
    /// Binds the next `?`.
    fn arg(self, value: impl Into<Value>) -> Self;

    /// Binds the next `?`s in order.
    fn args(self, values: impl IntoIterator<Item = Value>) -> Self {
        values.into_iter().fold(self, Self::arg)
    }
}

impl<'q, DB: Binder> Arg for Query<'q, DB, DB::Arguments> {
    fn arg(self, value: impl Into<Value>) -> Self {
        DB::bind_query(self, value.into())
    }
}

impl<'q, DB: Binder, O> Arg for QueryAs<'q, DB, O, DB::Arguments> {
    fn arg(self, value: impl Into<Value>) -> Self {
        DB::bind_query_as(self, value.into())
    }
}

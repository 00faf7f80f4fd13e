//! Shared pieces of REST v1 responses: paging and times.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::service::logs::DATETIME_FORMAT;
use crate::store::Page;

/// At most this many rows per page.
pub const MAX_LIMIT: i64 = 500;

/// A page of a list: the rows, the total count over every page, and the page asked for.
#[derive(Debug, Serialize)]
pub struct List<T> {
    /// The rows of this page.
    pub data: Vec<T>,
    /// Rows matching the filters, on all pages.
    pub total: i64,
    /// Rows skipped.
    pub offset: i64,
    /// Rows per page.
    pub limit: i64,
}

impl<T> List<T> {
    /// Renders each row of a store page.
    pub fn of<R>(rows: Vec<R>, total: i64, page: Page, view: impl Fn(R) -> T) -> Self {
        Self {
            data: rows.into_iter().map(view).collect(),
            total,
            offset: page.offset,
            limit: page.limit,
        }
    }
}

/// `offset` (default 0) and `limit` (default 20, at most [`MAX_LIMIT`]).
pub fn page(offset: Option<i64>, limit: Option<i64>) -> Result<Page> {
    let default = Page::default();
    let offset = offset.unwrap_or(default.offset);
    let limit = limit.unwrap_or(default.limit);
    if offset < 0 {
        return Err(Error::validation("offset", "must be 0 or more"));
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::validation(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(Page { offset, limit })
}

/// A DATETIME column as XXL-JOB shows it: `yyyy-MM-dd HH:mm:ss`, admin zone.
pub fn datetime(time: Option<NaiveDateTime>) -> Option<String> {
    time.map(|t| t.format(DATETIME_FORMAT).to_string())
}

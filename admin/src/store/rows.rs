//! Rows as the database returns them, where they differ from the [`super::model`] types.
//!
//! Most rows decode straight into the model (`sqlx::FromRow` derives there, which finds each
//! column by name). The rows read for every fire — a job's schedule, what a trigger sends, a
//! run's record — are decoded by position instead ([`decode_by_position!`]): sqlx finds a
//! column by name through a SipHash map lookup per column per row, a few percent of the
//! admin's instructions at a thousand fires a second (BENCHMARKS.md, "What was changed" 21).
//! A group needs a detour because its protocol generation is stored as text.

use chrono::NaiveDateTime;
use jobwheel_executor::protocol::ProtocolGeneration;

use super::model::{AddressType, JobDispatch, JobGroup, JobSchedule, RunRecord};

/// Declares the `SELECT` list a struct is read with and its `sqlx::FromRow` for both
/// databases, decoding the n-th column into the n-th field named. One list gives both, so
/// the statement and the decoder cannot drift apart, and a field left out or named twice does
/// not compile (the decoder builds the struct from the list). A field whose column has
/// another name is written `field = column`.
macro_rules! decode_by_position {
    ($select:ident: $ty:ty = $table:literal [$($field:ident $(= $column:ident)?),+ $(,)?]) => {
        pub(crate) const $select: &str = concat!(
            "SELECT ",
            decode_by_position!(@list $($field $(= $column)?),+),
            " FROM ",
            $table
        );
        decode_by_position!(@impl sqlx::mysql::MySqlRow, $ty, $($field),+);
        decode_by_position!(@impl sqlx::sqlite::SqliteRow, $ty, $($field),+);
    };
    (@list $field:ident $(= $column:ident)? $(, $rf:ident $(= $rc:ident)?)*) => {
        concat!(
            decode_by_position!(@name $field $($column)?)
            $(, ", ", decode_by_position!(@name $rf $($rc)?))*
        )
    };
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $column:ident) => { stringify!($column) };
    (@impl $row:ty, $ty:ty, $($field:ident),+) => {
        impl<'r> sqlx::FromRow<'r, $row> for $ty {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                let mut position = ColumnPosition::default();
                Ok(Self {
                    $($field: sqlx::Row::try_get(row, position.next())?,)+
                })
            }
        }
    };
}

/// The index of the next column a positional decoder reads.
#[derive(Default)]
struct ColumnPosition(usize);

impl ColumnPosition {
    fn next(&mut self) -> usize {
        self.0 += 1;
        self.0 - 1
    }
}

decode_by_position!(SCHEDULE_COLUMNS: JobSchedule = "xxl_job_info" [
    id, job_group, schedule_type, schedule_conf, misfire_strategy, executor_fail_retry_count,
    trigger_last_time, trigger_next_time, time_zone = jobwheel_time_zone,
]);

decode_by_position!(DISPATCH_COLUMNS: JobDispatch = "xxl_job_info" [
    id, job_group, executor_route_strategy, executor_handler, executor_param,
    executor_block_strategy, executor_timeout, glue_type, glue_source, glue_updatetime,
]);

decode_by_position!(RUN_RECORD_COLUMNS: RunRecord = "xxl_job_log" [
    id, job_group, job_id, handle_code, handle_msg,
]);

/// An `xxl_job_group` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct GroupRow {
    id: i32,
    app_name: String,
    title: String,
    address_type: i8,
    address_list: Option<String>,
    update_time: Option<NaiveDateTime>,
    jobwheel_access_token: Option<String>,
    jobwheel_protocol: Option<String>,
}

impl From<GroupRow> for JobGroup {
    fn from(row: GroupRow) -> Self {
        Self {
            id: row.id,
            app_name: row.app_name,
            title: row.title,
            address_type: AddressType::from_db(row.address_type),
            address_list: row.address_list,
            update_time: row.update_time,
            access_token: row.jobwheel_access_token,
            // Anything unreadable means "detect", never a refusal to route.
            protocol: row.jobwheel_protocol.and_then(|p| p.parse().ok()),
        }
    }
}

/// `xxl_job_group.jobwheel_protocol` of a generation (read back by its `FromStr`).
pub(crate) fn protocol_to_db(protocol: ProtocolGeneration) -> &'static str {
    match protocol {
        ProtocolGeneration::Legacy => "legacy",
        ProtocolGeneration::V3_5 => "v3_5",
    }
}

/// One fire read back after a scan inserted it.
#[derive(Debug)]
pub(crate) struct FireRow {
    pub id: i64,
    pub job_id: i32,
    pub jobwheel_fire_at: Option<i64>,
}

decode_by_position!(FIRE_COLUMNS: FireRow = "xxl_job_log" [id, job_id, jobwheel_fire_at]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_select_lists_name_each_column_once_in_field_order() {
        assert_eq!(
            SCHEDULE_COLUMNS,
            "SELECT id, job_group, schedule_type, schedule_conf, misfire_strategy, \
             executor_fail_retry_count, trigger_last_time, trigger_next_time, \
             jobwheel_time_zone FROM xxl_job_info"
        );
        assert_eq!(
            RUN_RECORD_COLUMNS,
            "SELECT id, job_group, job_id, handle_code, handle_msg FROM xxl_job_log"
        );
    }

    #[test]
    fn column_positions_count_from_zero() {
        let mut position = ColumnPosition::default();
        assert_eq!(
            [position.next(), position.next(), position.next()],
            [0, 1, 2]
        );
    }

    #[test]
    fn protocol_round_trips_through_text() {
        for p in [ProtocolGeneration::Legacy, ProtocolGeneration::V3_5] {
            assert_eq!(protocol_to_db(p).parse::<ProtocolGeneration>(), Ok(p));
        }
    }
}

//! Rows as the database returns them, where they differ from the [`super::model`] types.
//!
//! Jobs, logs and registry rows decode straight into the model (`sqlx::FromRow` derives
//! there); a group needs a detour because its protocol generation is stored as text.

use chrono::NaiveDateTime;
use jobwheel_executor::protocol::ProtocolGeneration;

use super::model::{AddressType, JobGroup};

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
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct FireRow {
    pub id: i64,
    pub job_id: i32,
    pub jobwheel_fire_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_round_trips_through_text() {
        for p in [ProtocolGeneration::Legacy, ProtocolGeneration::V3_5] {
            assert_eq!(protocol_to_db(p).parse::<ProtocolGeneration>(), Ok(p));
        }
    }
}

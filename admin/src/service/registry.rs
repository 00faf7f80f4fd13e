//! The executor registry: heartbeats in, live address lists out (PROTOCOL.md §2.5).
//!
//! Executors beat every 30 s; a row not refreshed for 90 s belongs to a dead executor.
//! Routing never reads the registry table: it reads `xxl_job_group.address_list`, which the
//! registry monitor (and a save of an auto group) recomputes from the live rows here.

use std::collections::{BTreeMap, BTreeSet};

use jobwheel_executor::protocol::{REGISTRY_GROUP_EXECUTOR, RegistryParam};

use crate::app::AppState;
use crate::error::Result;
use crate::store::{AddressType, JobGroup, RegistryRow};
use crate::time::{now_ms, now_naive, to_naive};

/// An executor that has not beaten for this long is dead (3 × the 30 s beat).
pub const DEAD_TIMEOUT_MS: i64 = 90_000;

/// Records a heartbeat, stamped with the admin's clock as XXL-JOB does (executor clocks
/// may be wrong; the admins of a cluster share one zone and, one hopes, NTP).
pub async fn beat(state: &AppState, param: &RegistryParam) -> Result<()> {
    state.store.registry_save(param, now_naive(state.tz)).await
}

/// Forgets an executor that is shutting down; routing drops it at the next refresh.
pub async fn remove(state: &AppState, param: &RegistryParam) -> Result<()> {
    state.store.registry_remove(param).await
}

/// The live executor addresses of each app name, each set sorted ascending (string order,
/// as XXL-JOB sorts them, so every admin of a mixed cluster computes the same list).
pub async fn live_addresses(state: &AppState) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let after = to_naive(now_ms() - DEAD_TIMEOUT_MS, state.tz);
    let rows = state.store.registry_alive(after).await?;
    Ok(group_by_app(rows))
}

/// Groups executor rows by app name.
fn group_by_app(rows: Vec<RegistryRow>) -> BTreeMap<String, BTreeSet<String>> {
    let mut apps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows
        .into_iter()
        .filter(|r| r.registry_group == REGISTRY_GROUP_EXECUTOR)
    {
        apps.entry(row.registry_key)
            .or_default()
            .insert(row.registry_value);
    }
    apps
}

/// The `address_list` value for a set of addresses: comma-joined, `None` when empty.
pub fn address_list(addresses: Option<&BTreeSet<String>>) -> Option<String> {
    addresses
        .filter(|a| !a.is_empty())
        .map(|a| a.iter().map(String::as_str).collect::<Vec<_>>().join(","))
}

/// Deletes dead registry rows; returns how many.
pub async fn expire_dead(state: &AppState) -> Result<u64> {
    let before = to_naive(now_ms() - DEAD_TIMEOUT_MS, state.tz);
    state.store.registry_delete_dead(before).await
}

/// Writes the live address list of every auto group whose list changed; returns how many
/// groups were written. Manual groups are the operator's and never touched.
pub async fn refresh_auto_groups(state: &AppState) -> Result<usize> {
    let live = live_addresses(state).await?;
    let mut written = 0;
    for group in state.store.all_groups().await? {
        if write_if_changed(state, &group, &live).await? {
            written += 1;
        }
    }
    Ok(written)
}

/// Recomputes one group's list right away (after a group is saved as auto), so a new group
/// is routable without waiting for the next monitor tick.
pub async fn refresh_group(state: &AppState, group: &JobGroup) -> Result<Option<String>> {
    let live = live_addresses(state).await?;
    write_if_changed(state, group, &live).await?;
    Ok(address_list(live.get(&group.app_name)))
}

async fn write_if_changed(
    state: &AppState,
    group: &JobGroup,
    live: &BTreeMap<String, BTreeSet<String>>,
) -> Result<bool> {
    if group.address_type != AddressType::Auto {
        return Ok(false);
    }
    let list = address_list(live.get(&group.app_name));
    if list == group.address_list {
        return Ok(false);
    }
    state
        .store
        .set_group_addresses(group.id, list.as_deref(), now_naive(state.tz))
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(group: &str, key: &str, value: &str) -> RegistryRow {
        RegistryRow {
            id: 0,
            registry_group: group.into(),
            registry_key: key.into(),
            registry_value: value.into(),
            update_time: None,
        }
    }

    #[test]
    fn addresses_are_grouped_by_app_sorted_and_deduplicated() {
        let apps = group_by_app(vec![
            row("EXECUTOR", "app", "http://b:9999/"),
            row("EXECUTOR", "app", "http://a:9999/"),
            row("EXECUTOR", "app", "http://b:9999/"),
            row("ADMIN", "app", "http://admin:8080/"),
            row("EXECUTOR", "other", "http://c:9999/"),
        ]);
        assert_eq!(
            address_list(apps.get("app")).as_deref(),
            Some("http://a:9999/,http://b:9999/")
        );
        assert_eq!(address_list(apps.get("missing")), None);
        assert_eq!(apps.len(), 2);
    }
}

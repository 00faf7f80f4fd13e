//! The store's API-token operations, checked on SQLite and (when `JOBWHEEL_TEST_MYSQL_URL`
//! is set) on a fresh MariaDB database.

mod common;

use common::{each_store, naive};
use jobwheel_admin::Error;
use jobwheel_admin::store::{NewApiToken, NewUser, ROLE_ADMIN, ROLE_NORMAL};

fn user(name: &str, role: i8) -> NewUser {
    NewUser {
        username: name.into(),
        password: format!("hash-of-{name}"),
        role,
        permission: None,
    }
}

fn token(user_id: i32, name: &str, hash: &str, created: &str) -> NewApiToken {
    NewApiToken {
        user_id,
        name: name.into(),
        token_hash: hash.into(),
        prefix: hash[..8].into(),
        created_at: naive(created),
    }
}

#[tokio::test]
async fn tokens_are_inserted_listed_found_by_hash_and_revoked() {
    for (db, s) in each_store().await {
        let alice = s.insert_user(&user("alice", ROLE_ADMIN)).await.unwrap();
        let bob = s.insert_user(&user("bob", ROLE_NORMAL)).await.unwrap();
        let ci = s
            .insert_api_token(&token(bob, "ci", &"a".repeat(64), "2026-01-02 03:04:05"))
            .await
            .unwrap();
        let grafana = s
            .insert_api_token(&token(
                bob,
                "grafana",
                &"b".repeat(64),
                "2026-01-03 00:00:00",
            ))
            .await
            .unwrap();
        let own = s
            .insert_api_token(&token(
                alice,
                "mine",
                &"c".repeat(64),
                "2026-01-04 00:00:00",
            ))
            .await
            .unwrap();
        let duplicate = s
            .insert_api_token(&token(
                alice,
                "again",
                &"c".repeat(64),
                "2026-01-04 00:00:00",
            ))
            .await;
        assert!(
            matches!(duplicate, Err(Error::Conflict(_))),
            "{db}: {duplicate:?}"
        );

        let bobs = s.list_api_tokens(Some(bob)).await.unwrap();
        assert_eq!(
            bobs.iter().map(|t| t.id).collect::<Vec<_>>(),
            [grafana, ci],
            "{db}: newest first"
        );
        let all = s.list_api_tokens(None).await.unwrap();
        assert_eq!(all.len(), 3, "{db}");
        assert_eq!(all[0].id, own, "{db}");
        assert_eq!(all[0].username, "alice", "{db}: owner joined");

        let found = s
            .find_active_api_token(&"a".repeat(64))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, ci, "{db}");
        assert_eq!(found.user_id, bob, "{db}");
        assert_eq!(found.username, "bob", "{db}");
        assert_eq!(found.name, "ci", "{db}");
        assert_eq!(found.prefix, "aaaaaaaa", "{db}");
        assert_eq!(found.created_at, naive("2026-01-02 03:04:05"), "{db}");
        assert_eq!(found.last_used_at, None, "{db}");
        assert_eq!(found.revoked_at, None, "{db}");
        assert!(
            s.find_active_api_token(&"d".repeat(64))
                .await
                .unwrap()
                .is_none(),
            "{db}"
        );

        let now = naive("2026-02-01 10:00:00");
        assert!(s.revoke_api_token(ci, now).await.unwrap(), "{db}");
        assert!(
            !s.revoke_api_token(ci, naive("2026-02-02 10:00:00"))
                .await
                .unwrap(),
            "{db}: revoking twice changes nothing"
        );
        assert!(!s.revoke_api_token(9999, now).await.unwrap(), "{db}");
        assert!(
            s.find_active_api_token(&"a".repeat(64))
                .await
                .unwrap()
                .is_none(),
            "{db}: a revoked token is not active"
        );
        let revoked = s.get_api_token(ci).await.unwrap().unwrap();
        assert_eq!(revoked.revoked_at, Some(now), "{db}: first revocation kept");
        assert!(s.get_api_token(9999).await.unwrap().is_none(), "{db}");

        // A deleted owner leaves its tokens listed with no username (they no longer work).
        s.delete_user(bob).await.unwrap();
        let orphan = s.get_api_token(grafana).await.unwrap().unwrap();
        assert_eq!(orphan.username, "", "{db}");
    }
}

#[tokio::test]
async fn last_use_is_written_at_most_once_per_window() {
    for (db, s) in each_store().await {
        let alice = s.insert_user(&user("alice", ROLE_ADMIN)).await.unwrap();
        let id = s
            .insert_api_token(&token(alice, "ci", &"e".repeat(64), "2026-01-01 00:00:00"))
            .await
            .unwrap();
        let t0 = naive("2026-03-01 12:00:00");
        // Never used: the first use writes.
        assert!(
            s.touch_api_token(id, t0, naive("2026-03-01 11:59:00"))
                .await
                .unwrap(),
            "{db}"
        );
        // 30 s later, inside the minute: no write.
        assert!(
            !s.touch_api_token(
                id,
                naive("2026-03-01 12:00:30"),
                naive("2026-03-01 11:59:30")
            )
            .await
            .unwrap(),
            "{db}"
        );
        let seen = s.get_api_token(id).await.unwrap().unwrap();
        assert_eq!(seen.last_used_at, Some(t0), "{db}");
        // 61 s later: written again.
        let t1 = naive("2026-03-01 12:01:01");
        assert!(
            s.touch_api_token(id, t1, naive("2026-03-01 12:00:01"))
                .await
                .unwrap(),
            "{db}"
        );
        let seen = s.get_api_token(id).await.unwrap().unwrap();
        assert_eq!(seen.last_used_at, Some(t1), "{db}");
    }
}

//! The store's user operations, checked on SQLite and (when `JOBWHEEL_TEST_MYSQL_URL` is
//! set) on a fresh MariaDB database, including an XXL-JOB 2.x user table without `token`.

mod common;

use common::each_store;
use jobwheel_admin::Error;
use jobwheel_admin::store::{NewUser, Page, ROLE_ADMIN, ROLE_NORMAL, UserFilter};

fn new_user(name: &str, role: i8, permission: Option<&str>) -> NewUser {
    NewUser {
        username: name.into(),
        password: format!("hash-of-{name}"),
        role,
        permission: permission.map(str::to_string),
    }
}

#[tokio::test]
async fn users_are_inserted_found_listed_changed_and_deleted() {
    for (db, s) in each_store().await {
        let alice = s
            .insert_user(&new_user("alice", ROLE_ADMIN, None))
            .await
            .unwrap();
        let bob = s
            .insert_user(&new_user("bob", ROLE_NORMAL, Some("1,3")))
            .await
            .unwrap();
        assert_ne!(alice, bob, "{db}");

        let found = s.get_user_by_username("bob").await.unwrap().unwrap();
        assert_eq!(found.id, bob, "{db}");
        assert_eq!(found.password, "hash-of-bob", "{db}");
        assert_eq!(found.token, None, "{db}: no session yet");
        assert_eq!(found.group_ids(), vec![1, 3], "{db}");
        assert!(
            found.may_access_group(3) && !found.may_access_group(2),
            "{db}"
        );
        assert!(
            s.get_user_by_username("carol").await.unwrap().is_none(),
            "{db}"
        );
        assert!(s.get_user(alice).await.unwrap().unwrap().is_admin(), "{db}");

        let taken = s.insert_user(&new_user("bob", ROLE_NORMAL, None)).await;
        assert!(matches!(taken, Err(Error::Conflict(_))), "{db}: {taken:?}");

        let (all, total) = s
            .list_users(&UserFilter::default(), Page::default())
            .await
            .unwrap();
        assert_eq!(total, 2, "{db}");
        assert_eq!(
            all.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(),
            ["alice", "bob"],
            "{db}: ordered by username"
        );
        let filter = UserFilter {
            username: Some("li".into()),
            role: None,
        };
        let (matched, total) = s.list_users(&filter, Page::default()).await.unwrap();
        assert_eq!((matched.len(), total), (1, 1), "{db}");
        let admins = UserFilter {
            username: None,
            role: Some(ROLE_ADMIN),
        };
        let (matched, _) = s.list_users(&admins, Page::default()).await.unwrap();
        assert_eq!(matched[0].id, alice, "{db}");

        assert!(
            s.update_user(bob, ROLE_NORMAL, Some("2")).await.unwrap(),
            "{db}"
        );
        assert_eq!(
            s.get_user(bob).await.unwrap().unwrap().group_ids(),
            vec![2],
            "{db}"
        );
        assert!(
            !s.update_user(9999, ROLE_NORMAL, None).await.unwrap(),
            "{db}"
        );

        assert!(s.delete_user(bob).await.unwrap(), "{db}");
        assert!(!s.delete_user(bob).await.unwrap(), "{db}: already gone");
        assert!(s.get_user(bob).await.unwrap().is_none(), "{db}");
    }
}

#[tokio::test]
async fn password_and_session_signature_are_set_together_or_alone() {
    for (db, s) in each_store().await {
        let id = s
            .insert_user(&new_user("alice", ROLE_ADMIN, None))
            .await
            .unwrap();
        assert!(s.set_user_token(id, Some("sig-1")).await.unwrap(), "{db}");
        assert_eq!(
            s.get_user(id).await.unwrap().unwrap().token.as_deref(),
            Some("sig-1")
        );

        assert!(
            s.set_user_password(id, "$argon2id$new", Some("sig-2"))
                .await
                .unwrap()
        );
        let user = s.get_user(id).await.unwrap().unwrap();
        assert_eq!(user.password, "$argon2id$new", "{db}");
        assert_eq!(user.token.as_deref(), Some("sig-2"), "{db}");

        assert!(s.set_user_token(id, None).await.unwrap(), "{db}");
        assert_eq!(
            s.get_user(id).await.unwrap().unwrap().token,
            None,
            "{db}: logged out"
        );
        assert!(!s.set_user_token(9999, None).await.unwrap(), "{db}");
        assert!(!s.set_user_password(9999, "x", None).await.unwrap(), "{db}");
    }
}

//! API tokens as people use them: made in the console (shown once), used as a REST v1
//! bearer token, listed with their last use, revoked (then refused); a normal user's token
//! is refused (REST v1 is not group-scoped yet) and a user sees and revokes only their own tokens.

mod common;
#[path = "common/console.rs"]
mod console;

use console::{Browser, Console, start};
use jobwheel_admin::auth::users::{self, UserInput};
use jobwheel_admin::store::{ApiToken, ROLE_NORMAL};
use reqwest::StatusCode;

/// Creates a token named `name` on the tokens page; returns the token shown.
async fn create_token(browser: &mut Browser, name: &str) -> String {
    let csrf = browser.get("/account/tokens").await.csrf();
    let page = browser
        .post("/account/tokens", &[("_csrf", &csrf), ("name", name)])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("shown only this once"), "{}", page.body);
    // Shown once, in a read-only field the copy button reads.
    page.quoted_after("id=\"new-token\" readonly value=\"")
}

async fn rest(console: &Console, method: reqwest::Method, path: &str, token: &str) -> StatusCode {
    reqwest::Client::new()
        .request(method, format!("{}/api/v1{path}", console.url))
        .bearer_auth(token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("request")
        .status()
}

/// The stored row of the token named `name`.
async fn token_row(console: &Console, name: &str) -> ApiToken {
    let all = console.state.store.list_api_tokens(None).await.unwrap();
    all.into_iter().find(|t| t.name == name).expect("token row")
}

#[tokio::test]
async fn a_console_token_opens_rest_v1_until_it_is_revoked() {
    let console = start().await;
    let mut admin = Browser::new(&console);
    admin.login("admin", &console.admin_password).await;

    // No `api_tokens` are configured: nothing gets in yet.
    assert_eq!(
        rest(&console, reqwest::Method::GET, "/jobs", "guess").await,
        StatusCode::UNAUTHORIZED
    );

    let token = create_token(&mut admin, "ci pipeline").await;
    assert_eq!(token.len(), 43, "{token}");
    assert_eq!(
        rest(&console, reqwest::Method::GET, "/jobs", &token).await,
        StatusCode::OK
    );
    // An admin's token may change things too.
    assert_eq!(
        rest(&console, reqwest::Method::POST, "/groups", &token).await,
        StatusCode::BAD_REQUEST,
        "past authentication, the empty group is refused as a bad request"
    );

    // The list shows the token by name and prefix, never whole, with its last use.
    let list = admin.get("/account/tokens").await;
    assert!(list.body.contains("ci pipeline"), "{}", list.body);
    assert!(list.body.contains(&format!("{}…", &token[..8])));
    assert!(!list.body.contains(&token), "the token is shown only once");
    assert!(!list.body.contains(">never<"), "its use was recorded");

    // Revoking needs the CSRF token, like every console form.
    let id = token_row(&console, "ci pipeline").await.id;
    let path = format!("/account/tokens/{id}/revoke");
    let forged = admin.post(&path, &[]).await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert_eq!(
        rest(&console, reqwest::Method::GET, "/jobs", &token).await,
        StatusCode::OK
    );
    let csrf = list.csrf();
    let revoked = admin.post(&path, &[("_csrf", &csrf)]).await;
    assert_eq!(
        (revoked.status, revoked.location.as_deref()),
        (303, Some("/account/tokens"))
    );
    assert_eq!(
        rest(&console, reqwest::Method::GET, "/jobs", &token).await,
        StatusCode::UNAUTHORIZED
    );
    let list = admin.get("/account/tokens").await;
    assert!(list.body.contains("Revoked"), "{}", list.body);
}

#[tokio::test]
async fn a_normal_users_token_is_refused_and_their_own() {
    let console = start().await;
    users::create(
        &*console.state.store,
        &UserInput {
            username: "bobby".into(),
            password: "bobby-secret".into(),
            role: ROLE_NORMAL,
            groups: Vec::new(),
        },
    )
    .await
    .unwrap();
    let mut admin = Browser::new(&console);
    admin.login("admin", &console.admin_password).await;
    create_token(&mut admin, "admin's").await;

    let mut bob = Browser::new(&console);
    bob.login("bobby", "bobby-secret").await;
    let token = create_token(&mut bob, "bob's").await;
    // REST v1 is not scoped to groups yet, so a normal user's token could read groups the
    // console hides from them: it is refused, even for reads.
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        assert_eq!(
            rest(&console, method, "/groups", &token).await,
            StatusCode::FORBIDDEN
        );
    }

    // Bob sees only his token and cannot revoke the admin's, nor make one for the admin.
    let list = bob.get("/account/tokens").await;
    assert!(list.body.contains("bob&#39;s") || list.body.contains("bob's"));
    assert!(!list.body.contains("admin&#39;s") && !list.body.contains("admin's"));
    let csrf = list.csrf();
    let theirs = token_row(&console, "admin's").await.id;
    let refused = bob
        .post(
            &format!("/account/tokens/{theirs}/revoke"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    let admin_id = console
        .state
        .store
        .get_user_by_username("admin")
        .await
        .unwrap()
        .unwrap()
        .id;
    let refused = bob
        .post(
            "/account/tokens",
            &[
                ("_csrf", &csrf),
                ("name", "sneaky"),
                ("user_id", &admin_id.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    // The admin sees every token, with its owner.
    let all = admin.get("/account/tokens").await;
    assert!(all.body.contains("bobby"), "{}", all.body);
    assert!(all.body.contains("admin&#39;s") || all.body.contains("admin's"));

    // Deleting Bob revokes his tokens.
    let bob_id = token_row(&console, "bob's").await.user_id;
    let csrf = all.csrf();
    let deleted = admin
        .post(&format!("/users/{bob_id}/delete"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    assert_eq!(
        rest(&console, reqwest::Method::GET, "/groups", &token).await,
        StatusCode::UNAUTHORIZED
    );
    let row = console
        .state
        .store
        .list_api_tokens(Some(bob_id))
        .await
        .unwrap();
    assert!(row[0].revoked_at.is_some(), "{row:?}");
}

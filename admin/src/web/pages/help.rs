//! The help page.

use askama::Template;
use axum::response::Response;

use super::render;
use crate::web::context::{Ctx, Viewer};

#[derive(Template)]
#[template(path = "help.html")]
struct HelpPage {
    ctx: Ctx,
}

/// `GET /help`.
pub async fn page(viewer: Viewer) -> Response {
    render(&HelpPage {
        ctx: viewer.ctx("nav.help"),
    })
}

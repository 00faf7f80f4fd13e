//! The cluster of `docker-compose.yml`, checked without Docker.
//!
//! No Docker engine runs where our tests run, so this reads `docker-compose.yml`,
//! `deploy/nginx.conf` and `Dockerfile` and checks that they agree with each other and with
//! the programs: every `JOBWHEEL_*` variable is parsed by the admin's and the sample
//! executor's real clap definitions (a renamed config key fails here), the load balancer
//! sends to every admin at its listen port, executors advertise the port they listen on and
//! register through the load balancer, images come from our Dockerfile, and services start
//! in a sane order behind health checks.

mod deploy;

use std::collections::{BTreeMap, BTreeSet};

use deploy::compose::{self, Compose, Service};
use deploy::nginx::{self, Directive};
use deploy::{dockerfile, read, settings};
use jobwheel_admin::config::{Config, Flags};
use jobwheel_executor_sample::Args;
use reqwest::Url;

/// The Dockerfile targets our services are built from.
const ADMIN_TARGET: &str = "admin";
const EXECUTOR_TARGET: &str = "executor-sample";
/// The setting that lets every admin accept the console sessions of the others.
const COOKIE_KEY: &str = "JOBWHEEL_COOKIE_KEY";

/// The compose file with each service's role and its settings as our programs parse them.
struct Cluster {
    compose: Compose,
    admins: BTreeMap<String, Config>,
    executors: BTreeMap<String, Args>,
    database: String,
    balancer: String,
    nginx: Directive,
}

impl Cluster {
    fn load() -> Self {
        let compose = compose::parse(&read("docker-compose.yml"))
            .unwrap_or_else(|e| panic!("docker-compose.yml: {e}"));
        let nginx = nginx::parse(&read("deploy/nginx.conf"))
            .unwrap_or_else(|e| panic!("deploy/nginx.conf: {e}"));
        let mut cluster = Cluster {
            compose,
            admins: BTreeMap::new(),
            executors: BTreeMap::new(),
            database: String::new(),
            balancer: String::new(),
            nginx,
        };
        for (name, service) in &cluster.compose.services {
            let env = &service.environment.0;
            let target = service.build.as_ref().and_then(|b| b.target());
            let image = service.image.as_deref().unwrap_or_default();
            match target {
                Some(ADMIN_TARGET) => {
                    cluster.admins.insert(name.clone(), admin_config(name, env));
                }
                Some(EXECUTOR_TARGET) => {
                    let args = settings::parse_env::<Args>(env).unwrap_or_else(|e| {
                        panic!(
                            "service {name}: {e}\nthe executor reads: {:?}",
                            settings::env_names::<Args>()
                        )
                    });
                    cluster.executors.insert(name.clone(), args);
                }
                _ if image.starts_with("mysql:") || image.starts_with("mariadb:") => {
                    cluster.database = name.clone();
                }
                _ if image.starts_with("nginx:") => cluster.balancer = name.clone(),
                _ => panic!("service {name}: unknown role; teach compose_file.rs what it is"),
            }
        }
        assert!(!cluster.database.is_empty(), "no MySQL service");
        assert!(!cluster.balancer.is_empty(), "no nginx load balancer");
        cluster
    }

    fn service(&self, name: &str) -> &Service {
        &self.compose.services[name]
    }

    /// The settings every admin shares (the first admin's; another test checks they agree).
    fn admin(&self) -> &Config {
        self.admins.values().next().expect("at least one admin")
    }

    /// The port nginx listens on.
    fn balancer_port(&self) -> u16 {
        let listens = self.nginx.descendants("listen");
        assert_eq!(listens.len(), 1, "deploy/nginx.conf: one `listen` expected");
        let address = &listens[0].args[0];
        address
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("deploy/nginx.conf: listen {address}"))
    }
}

/// An admin service's environment, parsed and validated as `jobwheel-admin` would.
fn admin_config(name: &str, env: &BTreeMap<String, String>) -> Config {
    let flags = settings::parse_env::<Flags>(env).unwrap_or_else(|e| {
        panic!(
            "service {name}: {e}\nthe admin reads: {:?}",
            settings::env_names::<Flags>()
        )
    });
    Config::load(flags).unwrap_or_else(|e| panic!("service {name}: the admin refuses it: {e}"))
}

fn url(text: &str, what: &str) -> Url {
    Url::parse(text).unwrap_or_else(|e| panic!("{what}: {text:?} is not a URL: {e}"))
}

#[test]
fn every_admin_reads_real_config_keys_and_all_admins_agree() {
    let cluster = Cluster::load();
    assert!(cluster.admins.len() >= 2, "a cluster needs two admins");
    let (first, reference) = cluster.admins.iter().next().unwrap();
    for (name, config) in &cluster.admins {
        assert!(
            config.listen.ip().is_unspecified(),
            "{name} must listen on all interfaces for the load balancer to reach it"
        );
        let same_listen = Config {
            listen: reference.listen,
            ..config.clone()
        };
        assert_eq!(
            &same_listen, reference,
            "{name} differs from {first}: admins of a cluster share database, tokens and keys"
        );
    }
    assert!(
        reference.access_token.is_some(),
        "executors and admins should authenticate each other"
    );
    // Without a shared cookie key each admin makes its own, and a console session opened on
    // one admin is unknown to the next one the load balancer picks.
    if settings::env_names::<Flags>()
        .iter()
        .any(|e| e == COOKIE_KEY)
    {
        for (name, service) in &cluster.compose.services {
            if cluster.admins.contains_key(name) {
                assert!(
                    service.environment.0.contains_key(COOKIE_KEY),
                    "{name}: set {COOKIE_KEY} (the same on every admin)"
                );
            }
        }
    }

    // One shared MySQL database, reached with the credentials the MySQL service creates.
    let db = url(&reference.database_url, "JOBWHEEL_DATABASE_URL");
    let mysql = &cluster.service(&cluster.database).environment.0;
    assert_eq!(db.scheme(), "mysql");
    assert_eq!(db.host_str(), Some(cluster.database.as_str()));
    assert_eq!(db.port().unwrap_or(3306), 3306);
    assert_eq!(
        Some(db.username()),
        mysql.get("MYSQL_USER").map(String::as_str)
    );
    assert_eq!(
        db.password(),
        mysql.get("MYSQL_PASSWORD").map(String::as_str)
    );
    assert_eq!(
        Some(db.path().trim_start_matches('/')),
        mysql.get("MYSQL_DATABASE").map(String::as_str)
    );
}

#[test]
fn executors_advertise_their_own_port_and_register_through_the_load_balancer() {
    let cluster = Cluster::load();
    assert!(
        cluster.executors.len() >= 2,
        "two executor replicas expected"
    );
    let admin = cluster.admin();
    let mut advertised = BTreeSet::new();
    for (name, args) in &cluster.executors {
        assert_eq!(
            Some(args.access_token.as_str()),
            admin.access_token.as_deref(),
            "{name}: the admins' access token"
        );
        assert!(args.bind.is_unspecified(), "{name}: bind all interfaces");
        let address = args
            .address
            .as_deref()
            .unwrap_or_else(|| panic!("{name}: set JOBWHEEL_EXECUTOR_ADDRESS to its service name"));
        let address = url(address, "JOBWHEEL_EXECUTOR_ADDRESS");
        assert_eq!(
            address.host_str(),
            Some(name.as_str()),
            "{name}: advertised host"
        );
        assert_eq!(
            address.port_or_known_default(),
            Some(args.port),
            "{name}: advertised port must be the port it listens on"
        );
        assert!(advertised.insert(address), "{name}: address used twice");

        for admin_address in args.admin_addresses.split(',') {
            let admin_address = url(admin_address.trim(), "JOBWHEEL_ADMIN_ADDRESSES");
            assert_eq!(
                admin_address.host_str(),
                Some(cluster.balancer.as_str()),
                "{name}: executors register through the load balancer"
            );
            assert_eq!(
                admin_address.port_or_known_default(),
                Some(cluster.balancer_port())
            );
            assert_eq!(
                admin_address.path().trim_end_matches('/'),
                admin.context_path,
                "{name}: the admins' context path"
            );
        }
    }
}

#[test]
fn the_load_balancer_spreads_over_every_admin_at_its_listen_port() {
    let cluster = Cluster::load();
    let upstreams = cluster.nginx.descendants("upstream");
    assert_eq!(upstreams.len(), 1, "one upstream of admins expected");
    let upstream = upstreams[0];
    let servers: BTreeSet<(String, u16)> = upstream
        .children("server")
        .map(|s| {
            let (host, port) = s.args[0]
                .rsplit_once(':')
                .unwrap_or_else(|| panic!("upstream server {} needs a port", s.args[0]));
            (host.to_string(), port.parse().expect("numeric port"))
        })
        .collect();
    let admins: BTreeSet<(String, u16)> = cluster
        .admins
        .iter()
        .map(|(name, config)| (name.clone(), config.listen.port()))
        .collect();
    assert_eq!(servers, admins, "nginx upstream servers vs. admin services");

    let proxied: Vec<&String> = cluster
        .nginx
        .descendants("proxy_pass")
        .into_iter()
        .map(|d| &d.args[0])
        .collect();
    assert!(!proxied.is_empty(), "nginx proxies nothing");
    for target in proxied {
        assert_eq!(target, &format!("http://{}", upstream.args[0]));
    }

    let balancer = cluster.service(&cluster.balancer);
    assert!(
        balancer
            .ports
            .iter()
            .any(|p| p.target == cluster.balancer_port() && p.published.is_some()),
        "the load balancer publishes nginx's listen port: {:?}",
        balancer.ports
    );
    assert!(
        balancer
            .volumes
            .iter()
            .any(|v| v.starts_with("./deploy/nginx.conf:/etc/nginx/nginx.conf")),
        "deploy/nginx.conf is nginx's configuration"
    );
}

#[test]
fn images_are_built_from_our_dockerfile() {
    let cluster = Cluster::load();
    let stages = dockerfile::parse(&read("Dockerfile"));
    let stage = |name: &str| {
        stages
            .iter()
            .find(|s| s.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("Dockerfile has no stage `{name}`"))
    };
    let admin_bin = std::path::Path::new(env!("CARGO_BIN_EXE_jobwheel-admin"))
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let sample_manifest: toml::Table = toml::from_str(&read("executor-sample/Cargo.toml")).unwrap();
    let sample_bin = sample_manifest["package"]["name"]
        .as_str()
        .unwrap()
        .to_string();

    for (name, service) in &cluster.compose.services {
        let Some(build) = &service.build else {
            let image = service.image.as_deref().unwrap_or_default();
            assert!(
                image.contains(':') && !image.ends_with(":latest"),
                "{name}: pin the image's version ({image})"
            );
            continue;
        };
        assert_eq!(build.context(), ".", "{name}: build context");
        assert_eq!(build.dockerfile(), "Dockerfile", "{name}: dockerfile");
        let target = build
            .target()
            .unwrap_or_else(|| panic!("{name}: build target"));
        let binary = if cluster.admins.contains_key(name) {
            &admin_bin
        } else {
            &sample_bin
        };
        let entrypoint = stage(target).all("ENTRYPOINT").join(" ");
        assert!(
            entrypoint.contains(&format!("/{binary}\""))
                || entrypoint.contains(&format!("\"{binary}\"")),
            "{name}: stage `{target}` must run {binary}, runs {entrypoint:?}"
        );
        // The runtime user: the last USER along the chain of stages, which must not be root.
        let mut user = None;
        let mut current = Some(stage(target));
        while let Some(s) = current {
            user = user.or_else(|| s.all("USER").last().map(|u| u.to_string()));
            current = stages.iter().find(|p| p.name.as_deref() == Some(&s.base));
        }
        let user = user.unwrap_or_else(|| panic!("{name}: stage `{target}` runs as root"));
        assert!(
            !user.starts_with("root") && !user.starts_with('0'),
            "{name}: USER {user}"
        );
    }

    // One builder compiles both programs, after a layer that holds only the dependencies:
    // every workspace member's manifest is copied before the first `cargo build`.
    let root: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let members: Vec<&str> = root["workspace"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let builder = stages
        .iter()
        .find(|s| s.all("RUN").iter().any(|r| r.contains("cargo build")))
        .expect("a stage runs cargo build");
    assert!(
        builder.base.starts_with("rust:"),
        "builder base {}",
        builder.base
    );
    let first_build = builder
        .instructions
        .iter()
        .position(|(k, r)| k == "RUN" && r.contains("cargo build"))
        .unwrap();
    let copied_first: Vec<&str> = builder.instructions[..first_build]
        .iter()
        .filter(|(k, _)| k == "COPY")
        .map(|(_, r)| r.as_str())
        .collect();
    for member in members {
        let manifest = format!("{member}/Cargo.toml");
        assert!(
            copied_first.iter().any(|c| c.contains(&manifest)),
            "Dockerfile's dependency layer must COPY {manifest}"
        );
        assert!(
            builder
                .all("RUN")
                .iter()
                .any(|r| r.contains(&format!("{member}/src"))),
            "Dockerfile's dependency layer needs a stand-in for {member}/src"
        );
    }
    for package in ["jobwheel-admin", sample_bin.as_str()] {
        assert!(
            builder
                .all("RUN")
                .iter()
                .any(|r| r.contains(&format!("-p {package}"))),
            "the builder must build {package}"
        );
    }
}

#[test]
fn every_service_is_health_checked_and_starts_after_what_it_needs() {
    let cluster = Cluster::load();
    let services = &cluster.compose.services;
    let health = |name: &str| {
        services[name]
            .healthcheck
            .as_ref()
            .and_then(|h| h.command())
            .unwrap_or_else(|| panic!("{name} has no health check"))
    };
    for name in services.keys() {
        health(name);
    }
    for (name, config) in &cluster.admins {
        let ready = format!(
            "http://127.0.0.1:{}{}/readyz",
            config.listen.port(),
            config.context_path
        );
        assert!(
            health(name).contains(&ready),
            "{name}: health check must ask {ready}"
        );
    }
    for (name, args) in &cluster.executors {
        let beat = format!("http://127.0.0.1:{}/beat", args.port);
        assert!(
            health(name).contains(&beat),
            "{name}: health check must ask {beat}"
        );
    }
    let own_health: Vec<String> = cluster
        .nginx
        .descendants("location")
        .into_iter()
        .filter(|l| l.args.first().map(String::as_str) == Some("="))
        .map(|l| format!("http://127.0.0.1:{}{}", cluster.balancer_port(), l.args[1]))
        .collect();
    assert!(
        own_health
            .iter()
            .any(|u| health(&cluster.balancer).contains(u)),
        "the load balancer's health check must ask one of {own_health:?}"
    );

    // Conditions are valid, name existing services, and wait for health only where a
    // health check exists.
    for (name, service) in services {
        for (dependency, condition) in &service.depends_on.0 {
            assert!(
                services.contains_key(dependency),
                "{name} depends on unknown {dependency}"
            );
            assert!(
                [
                    "service_started",
                    "service_healthy",
                    "service_completed_successfully"
                ]
                .contains(&condition.as_str()),
                "{name}: condition {condition}"
            );
        }
    }
    let waits_healthy = |who: &str, on: &str| {
        services[who].depends_on.0.get(on).map(String::as_str) == Some("service_healthy")
    };
    for admin in cluster.admins.keys() {
        assert!(
            waits_healthy(admin, &cluster.database),
            "{admin} waits for MySQL"
        );
        assert!(
            waits_healthy(&cluster.balancer, admin),
            "the balancer waits for {admin}"
        );
    }
    for executor in cluster.executors.keys() {
        assert!(
            waits_healthy(executor, &cluster.balancer),
            "{executor} registers through the balancer, so it waits for it"
        );
    }

    // No cycles: repeatedly start every service whose dependencies have started.
    let mut started = BTreeSet::new();
    while started.len() < services.len() {
        let ready: Vec<&String> = services
            .iter()
            .filter(|(n, s)| {
                !started.contains(*n) && s.depends_on.0.keys().all(|d| started.contains(d))
            })
            .map(|(n, _)| n)
            .collect();
        assert!(
            !ready.is_empty(),
            "depends_on has a cycle among {:?}",
            services.keys()
        );
        started.extend(ready);
    }
}

#[test]
fn mysql_gets_an_empty_database_and_the_admins_create_the_schema() {
    let cluster = Cluster::load();
    let mysql = cluster.service(&cluster.database);
    // The admin is the schema's one source of truth (migrations embedded in its binary):
    // nothing under deploy/ may create tables.
    let deploy = deploy::repo_root().join("deploy");
    let mut files = vec![deploy];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                !text.to_ascii_uppercase().contains("CREATE TABLE"),
                "{} creates tables; the admins apply migrations/mysql themselves",
                path.display()
            );
        }
    }
    // The admin's driver speaks caching_sha2_password (sqlx `mysql-rsa`), MySQL 8's default,
    // so the server needs no deprecated authentication plugin switched back on.
    let command = mysql
        .command
        .as_ref()
        .map(|c| c.joined())
        .unwrap_or_default();
    assert!(
        !command.contains("mysql-native-password"),
        "mysql command: {command}"
    );
}

//! The sample executor app. Its handlers arrive with the executor SDK (issue 3).

fn main() {
    println!("jobwheel-executor-sample: the executor SDK is not built yet");
}

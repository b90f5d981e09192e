// `rampart replay`: sends CRS/go-ftw tests and payload lists to rampart and judges the results.
// Usage, formats, gates and exit status: docs/replay.md.
#pragma once

namespace rampart::replay {

// argv[0] is "replay" (the subcommand); returns the process exit status:
//   0 all judged tests passed (or every gate met), 1 failures / gates not met / malformed
//   tests, 2 usage or setup error (bad arguments, unreadable ignore or gates file, rampart did
//   not start).
int runReplayCommand(int argc, char** argv);

}  // namespace rampart::replay

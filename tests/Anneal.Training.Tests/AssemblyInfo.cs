using Xunit;

// Training runs initialise their weights from torch's one global generator (manual_seed, then new Gpt): two runs in
// parallel threads would interleave their draws and neither would be reproducible. Run the test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// Package lag measures consumer-group lag from the broker's side, with
// kadm, so that it works when every processor is down: per partition the
// committed offset, the end offset, the lag in records and an estimate of
// the lag in seconds; per group a status judged over a window of samples.
//
// Two details make these numbers right for a transactional processor:
//
//   - The end offset is the last stable offset (ListOffsets with
//     read_committed isolation), not the high watermark: records of an
//     open transaction are not yet consumable, so they are not lag.
//   - A transaction's commit marker occupies an offset. After processing
//     record N a processor commits N+1, which is the marker's offset, and
//     the end offset is N+2: naive end-minus-committed shows a lag of 1
//     forever. Whenever end > committed, Measure fetches from the committed
//     offset with read_committed isolation; if nothing but control markers
//     and aborted records lie before the end, the lag is 0. The first real
//     record found there gives the lag in seconds: now minus its timestamp,
//     the age of the oldest unprocessed record.
package lag

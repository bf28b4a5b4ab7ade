namespace Tessera.Tests.Linearizability;

/// <summary>
/// The timing half of a simulated history: N clients, each issuing operations one after another, each operation
/// taking effect at one point drawn uniformly inside its [call, return] window. An indeterminate operation took
/// effect at a point up to three durations after its call (so possibly after the client gave up and went on), or
/// never. The simulators then run the operations against a real atomic object in the order of those points.
/// </summary>
internal static class Simulation
{
    /// <summary>One simulated operation before it is given an input and output.</summary>
    public sealed record Slot(int Client, long Call, long Return, bool Indeterminate, double Point, int Choice, int Target);

    /// <summary>The slots, ordered by their effect point; slots that never took effect last (<see cref="double.PositiveInfinity"/>).</summary>
    public static List<Slot> Slots(Random random, int clients, int operationsPerClient, int targets, double indeterminateRate)
    {
        var slots = new List<Slot>(clients * operationsPerClient);
        for (var client = 0; client < clients; client++)
        {
            long t = random.Next(0, 50);
            for (var i = 0; i < operationsPerClient; i++)
            {
                // Mostly short operations, some long ones that overlap many others.
                var duration = random.Next(10) == 0 ? random.Next(100, 1000) : random.Next(1, 100);
                var call = t;
                var ret = call + duration;
                var indeterminate = random.NextDouble() < indeterminateRate;
                var point = !indeterminate ? call + (random.NextDouble() * duration)
                    : random.Next(2) == 0 ? double.PositiveInfinity
                    : call + (random.NextDouble() * 3 * duration);
                slots.Add(new Slot(client, call, ret, indeterminate, point, random.Next(100), random.Next(targets)));
                t = ret + random.Next(0, 20);
            }
        }

        slots.Sort((a, b) => a.Point.CompareTo(b.Point));
        return slots;
    }

    /// <summary>Shuffles a history: the checker must not depend on the order it is given.</summary>
    public static T[] Shuffled<T>(Random random, List<T> items)
    {
        var array = items.ToArray();
        random.Shuffle(array);
        return array;
    }
}

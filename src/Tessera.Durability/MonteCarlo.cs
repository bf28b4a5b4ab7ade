namespace Tessera.Durability;

/// <summary>
/// Simulates years of a cluster: D disks in R racks, stripes placed uniformly at random on distinct disks with at most f
/// per rack. Disks fail independently at rate λ (λ·X for a bad batch of B disks) and stay down for the repair time;
/// a down disk does not fail again. Correlated events: a whole rack going down for the rack repair time, and power events
/// taking a fraction of one rack's disks down for the outage. Data are lost when a stripe has more than m fragments on
/// down disks at once.
/// <para>
/// Estimator: stripes are not enumerated. At each failure event with more than m disks down, the fraction q of placements
/// that now have more than m fragments on down disks but did not before is counted exactly (<see cref="PlacementCounter"/>),
/// and P(event kills ≥ 1 of S stripes) = 1 − (1 − q)^S. A year's loss probability is 1 − Π(1 − P_event) over its events;
/// the estimate is the mean over years (a conditional-expectation estimator: unbiased, lower variance than counting).
/// </para>
/// </summary>
public sealed class MonteCarlo
{
    private readonly DurabilityInputs _inputs;
    private readonly RepairDistribution _repair;
    private readonly PlacementCounter _counter;

    /// <summary>Creates the simulator.</summary>
    public MonteCarlo(DurabilityInputs inputs, RepairDistribution repair = RepairDistribution.Deterministic)
    {
        inputs.Validate();
        _inputs = inputs;
        _repair = repair;
        _counter = new PlacementCounter(inputs.Disks, inputs.Racks, inputs.Width, inputs.PerRackLimit);
    }

    /// <summary>Runs <paramref name="years"/> years; <paramref name="correlated"/> false ignores racks, batches and power events.</summary>
    public MonteCarloResult Run(long years, int seed, bool correlated = true)
    {
        var x = _inputs;
        var random = new Random(seed);
        var disks = x.Disks;
        var racks = _counter.Racks;
        var threshold = x.ParityShards + 1;
        var stripes = x.StripeCount;
        var mttrYears = x.MttrHours / DurabilityInputs.HoursPerYear;
        var rackRepairYears = x.RackRepairTime.TotalHours / DurabilityInputs.HoursPerYear;
        var outageYears = x.PowerOutage.TotalHours / DurabilityInputs.HoursPerYear;

        var rate = new double[disks];
        Array.Fill(rate, x.LambdaPerYear);
        if (correlated && x.BatchDisks > 0)
        {
            var order = Enumerable.Range(0, disks).ToArray();
            random.Shuffle(order);
            foreach (var d in order.AsSpan(0, x.BatchDisks))
            {
                rate[d] *= x.BatchMultiplier;
            }
        }

        var maxRate = rate.Max();
        var diskRate = maxRate * disks;
        var rackRate = correlated ? x.RackFailuresPerYear * racks : 0;
        var powerRate = correlated ? x.PowerEventsPerYear : 0;
        var totalRate = diskRate + rackRate + powerRate;

        var downUntil = new double[disks];
        var down = new List<int>();
        var newly = new List<int>();
        var before = new int[racks];
        var after = new int[racks];
        long diskFailures = 0, rackFailures = 0, powerEvents = 0, critical = 0;
        double expected = 0, sum = 0, sumSquares = 0, t;

        for (long year = 0; year < years; year++)
        {
            var survival = 1.0;
            t = year;
            while (true)
            {
                t += -Math.Log(1 - random.NextDouble()) / totalRate;
                if (t >= year + 1)
                {
                    break;
                }

                down.RemoveAll(d => downUntil[d] <= t);
                newly.Clear();
                var pick = random.NextDouble() * totalRate;
                if (pick < diskRate)
                {
                    var d = random.Next(disks);
                    if (downUntil[d] > t || random.NextDouble() * maxRate >= rate[d])
                    {
                        continue;
                    }

                    diskFailures++;
                    downUntil[d] = t + (_repair == RepairDistribution.Deterministic ? mttrYears : -Math.Log(1 - random.NextDouble()) * mttrYears);
                    newly.Add(d);
                }
                else if (pick < diskRate + rackRate)
                {
                    rackFailures++;
                    var rack = random.Next(racks);
                    for (var d = 0; d < disks; d++)
                    {
                        if (_counter.RackOf(d) == rack)
                        {
                            TakeDown(d, t + rackRepairYears);
                        }
                    }
                }
                else
                {
                    powerEvents++;
                    var rack = random.Next(racks);
                    var members = Enumerable.Range(0, disks).Where(d => _counter.RackOf(d) == rack).ToArray();
                    random.Shuffle(members);
                    var hit = (int)Math.Ceiling(x.PowerEventFraction * members.Length);
                    foreach (var d in members.AsSpan(0, hit))
                    {
                        TakeDown(d, t + outageYears);
                    }
                }

                down.AddRange(newly);
                if (newly.Count == 0 || down.Count < threshold)
                {
                    continue;
                }

                Array.Clear(before);
                Array.Clear(after);
                foreach (var d in down)
                {
                    after[_counter.RackOf(d)]++;
                }

                after.CopyTo(before, 0);
                foreach (var d in newly)
                {
                    before[_counter.RackOf(d)]--;
                }

                var q = _counter.NewlyKilledFraction(after, before, threshold);
                if (q <= 0)
                {
                    continue;
                }

                critical++;
                var p = MarkovModel.AnyOf(q, stripes);
                expected += p;
                survival *= 1 - p;
            }

            var lost = 1 - survival;
            sum += lost;
            sumSquares += lost * lost;
        }

        var mean = sum / years;
        var variance = years > 1 ? Math.Max(0, (sumSquares - (years * mean * mean)) / (years - 1)) : 0;
        var half = 1.96 * Math.Sqrt(variance / years);
        var upper = critical == 0 ? 3.0 / years : mean + half;
        return new MonteCarloResult(years, diskFailures, rackFailures, powerEvents, critical, expected, mean, Math.Max(0, mean - half), upper);

        void TakeDown(int d, double until)
        {
            if (downUntil[d] <= t)
            {
                newly.Add(d);
            }

            downUntil[d] = Math.Max(downUntil[d], until);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Text;

namespace BpfDotnet
{
    /// <summary>
    /// Log2 histograms as bcc's tools print them: slot <c>i</c> counts values from 2^i to 2^(i+1) - 1 (slot 0 also counts
    /// 0), which a program fills with <c>BitOperations.Log2(value)</c> as the index of an array map.
    /// </summary>
    public static class Log2Histogram
    {
        /// <summary>
        /// The lines of the histogram of <paramref name="slots"/>: a header naming <paramref name="unit"/>, then one line per
        /// slot up to the last non-empty one, with its range, its count and up to 40 stars (the largest count has 40);
        /// the header alone when every slot is 0.
        /// </summary>
        public static string Format(IReadOnlyList<ulong> slots, string unit)
        {
            ArgumentNullException.ThrowIfNull(slots);
            ArgumentNullException.ThrowIfNull(unit);
            int last = -1;
            ulong max = 0;
            for (int i = 0; i < slots.Count && i < 64; i++)
            {
                if (slots[i] == 0) continue;
                last = i;
                max = Math.Max(max, slots[i]);
            }
            var text = new StringBuilder();
            bool wide = last > 32;
            text.Append(wide ? $"{"",15}{unit,-29} : count     distribution" : $"{"",5}{unit,-19} : count     distribution").Append('\n');
            for (int i = 0; i <= last; i++)
            {
                ulong low = i == 0 ? 0 : 1UL << i, high = i == 63 ? ulong.MaxValue : (1UL << (i + 1)) - 1;
                string stars = new string('*', (int)(slots[i] * 40 / max)).PadRight(40);
                text.Append(wide
                    ? FormattableString.Invariant($"{low,20} -> {high,-20} : {slots[i],-8} |{stars}|")
                    : FormattableString.Invariant($"{low,10} -> {high,-10} : {slots[i],-8} |{stars}|")).Append('\n');
            }
            return text.ToString();
        }
    }
}

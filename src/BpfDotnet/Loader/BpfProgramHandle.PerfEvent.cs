using System;
using System.Collections.Generic;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>Perf event programs: a sampling perf event per CPU, each running the program on its samples.</summary>
    public sealed partial class BpfProgramHandle
    {
        /// <summary>
        /// Attaches the program (a <c>perf_event</c> program, whose context is <see cref="PerfEventData"/>) to a software
        /// event sampled on every CPU: <paramref name="frequency"/> samples per second, or one every
        /// <paramref name="period"/> events. <c>AttachPerfEvent(SoftwareEvent.CpuClock, frequency: 99)</c> is a CPU profiler's.
        /// </summary>
        /// <exception cref="BpfException">The kernel refused the event or the attachment.</exception>
        public BpfLink AttachPerfEvent(SoftwareEvent softwareEvent, ulong frequency = 0, ulong period = 0, int processId = -1)
            => AttachPerfEvent(PerfEventType.Software, (ulong)softwareEvent, frequency, period, processId);

        /// <summary>As the software overload, for a hardware counter (which virtual machines often lack: ENOENT).</summary>
        public BpfLink AttachPerfEvent(HardwareEvent hardwareEvent, ulong frequency = 0, ulong period = 0, int processId = -1)
            => AttachPerfEvent(PerfEventType.Hardware, (ulong)hardwareEvent, frequency, period, processId);

        /// <summary>
        /// Attaches the program to perf event <paramref name="config"/> of <paramref name="type"/>, sampled at
        /// <paramref name="frequency"/> per second or every <paramref name="period"/> events (exactly one of the two), on
        /// every CPU (for <paramref name="processId"/> -1, every process) or for one process. The link owns one perf event
        /// and one kernel link per CPU; disposing it detaches them all.
        /// </summary>
        /// <exception cref="ArgumentException">Neither or both of a frequency and a period.</exception>
        /// <exception cref="BpfException">The program is not a perf event program, or the kernel refused an event or a link.</exception>
        public BpfLink AttachPerfEvent(PerfEventType type, ulong config, ulong frequency = 0, ulong period = 0, int processId = -1)
        {
            _owner.ThrowIfDisposed();
            if ((frequency == 0) == (period == 0)) throw new ArgumentException("Give a sampling frequency or a period, not both and not neither.", nameof(frequency));
            if (Type != BpfProgramType.PerfEvent)
                throw new BpfException($"Program '{Name}' is a {Type} program; a perf event runs programs of type PerfEvent (section 'perf_event', context PerfEventData).");
            string what = $"{type} perf event {config} at " + (frequency != 0 ? frequency + " Hz" : "every " + period + " events") + (processId < 0 ? "" : " in process " + processId);
            var owned = new List<BpfFileDescriptor>();
            BpfFileDescriptor? first = null;
            try
            {
                // One event per CPU for all processes; one event following the process on every CPU otherwise.
                int cpus = processId < 0 ? BpfSystem.GetPossibleCpuCount() : 1;
                for (int cpu = 0; cpu < cpus; cpu++)
                {
                    var attr = new PerfEventAttr
                    {
                        Type = (uint)type,
                        Size = PerfEventAttr.SizeVer7,
                        Config = config,
                        SamplePeriod = frequency != 0 ? frequency : period,
                        Flags = frequency != 0 ? PerfEventAttr.FlagFrequency : 0,
                    };
                    int pfd, errno;
                    unsafe
                    {
                        pfd = Native.PerfEventOpen(&attr, processId, processId < 0 ? cpu : -1, -1, Native.PerfFlagFdCloexec, out errno);
                    }
                    // A possible CPU that is offline has no events.
                    if (pfd < 0 && errno == Native.ENODEV && processId < 0) continue;
                    if (pfd < 0)
                        throw BpfErrors.FromErrno(errno, $"to open the {what} on CPU {cpu} (perf_event_open)",
                            errno == Native.ENOENT ? "The kernel or the machine has no such event (virtual machines often have no hardware counters)." : null);
                    // The link holds the event: its own descriptor is closed at once, so that detaching is one close.
                    int lfd;
                    using (new BpfFileDescriptor(pfd)) lfd = CreateLink(pfd, AttachType.PerfEvent, 0, out errno);
                    if (lfd < 0) throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to the {what} on CPU {cpu} (BPF_LINK_CREATE)");
                    var link = new BpfFileDescriptor(lfd);
                    if (first is null) first = link;
                    else owned.Add(link);
                }
                if (first is null) throw new BpfException($"No CPU could open the {what}.");
                return Track(new BpfLink(first, what + " -> " + Name, owned));
            }
            catch
            {
                first?.Dispose();
                foreach (var fd in owned) fd.Dispose();
                throw;
            }
        }
    }
}

namespace BpfDotnet.KernelModel
{
    /// <summary>What the kernel says of a helper function.</summary>
    /// <param name="Id">Its id.</param>
    /// <param name="Name">Its name in the kernel (<c>bpf_...</c>).</param>
    /// <param name="GplOnly">The kernel lets only programs under a GPL-compatible license call it (<c>gpl_only</c>).</param>
    internal readonly record struct HelperInfo(HelperId Id, string Name, bool GplOnly);

    /// <summary>The helpers BpfDotnet calls.</summary>
    internal static class Helpers
    {
        private static readonly HelperInfo[] Table =
        {
            new(HelperId.MapLookupElem, "bpf_map_lookup_elem", false),
            new(HelperId.MapUpdateElem, "bpf_map_update_elem", false),
            new(HelperId.MapDeleteElem, "bpf_map_delete_elem", false),
            new(HelperId.KtimeGetNs, "bpf_ktime_get_ns", false),
            new(HelperId.TracePrintk, "bpf_trace_printk", true),
            new(HelperId.GetSmpProcessorId, "bpf_get_smp_processor_id", false),
            new(HelperId.GetCurrentPidTgid, "bpf_get_current_pid_tgid", false),
            new(HelperId.GetCurrentUidGid, "bpf_get_current_uid_gid", false),
            new(HelperId.GetCurrentComm, "bpf_get_current_comm", false),
        };

        /// <summary>The entry of <paramref name="id"/>.</summary>
        public static HelperInfo Of(HelperId id)
        {
            foreach (var helper in Table)
            {
                if (helper.Id == id) return helper;
            }
            return new HelperInfo(id, "helper " + (int)id, false);
        }
    }
}

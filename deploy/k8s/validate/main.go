// Command validate builds each kustomize overlay given as an argument and
// validates every resource against the Kubernetes API types (k8s.io/api):
// a strict decode rejects unknown or misspelled fields and wrong types, and a
// few cross-object checks catch what the schema cannot (selectors that match
// nothing, probes on undeclared ports, missing resource requests).
//
// It is a separate module so the application's go.mod does not carry the
// Kubernetes dependencies. kubeconform would be the usual tool, but it
// downloads its JSON schemas from GitHub at run time, which these machines
// cannot reach; the Go API types are the same schema, from the module proxy.
//
//	go run . ../overlays/dev ../overlays/prod
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: validate KUSTOMIZATION_DIR...")
		os.Exit(2)
	}
	failed := false
	for _, dir := range os.Args[1:] {
		n, err := validate(dir)
		if err != nil {
			failed = true
			fmt.Fprintf(os.Stderr, "FAIL %s:\n%v\n", dir, err)
			continue
		}
		fmt.Printf("ok   %s (%d resources)\n", dir, n)
	}
	if failed {
		os.Exit(1)
	}
}

// objects is one built overlay, by kind.
type objects struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	cronJobs    []*batchv1.CronJob
	configMaps  map[string]bool
	secrets     map[string]bool
	accounts    map[string]bool
}

func validate(dir string) (int, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return 0, fmt.Errorf("kustomize build: %w", err)
	}
	o := objects{configMaps: map[string]bool{}, secrets: map[string]bool{}, accounts: map[string]bool{}}
	var errs []error
	for _, r := range rm.Resources() {
		b, err := r.AsYAML()
		if err != nil {
			return 0, err
		}
		gvk := r.GetGvk()
		id := fmt.Sprintf("%s/%s %s", gvk.ApiVersion(), gvk.Kind, r.GetName())
		var obj any
		switch gvk.ApiVersion() + " " + gvk.Kind {
		case "apps/v1 Deployment":
			d := &appsv1.Deployment{}
			obj, o.deployments = d, append(o.deployments, d)
		case "v1 Service":
			s := &corev1.Service{}
			obj, o.services = s, append(o.services, s)
		case "policy/v1 PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			obj, o.pdbs = p, append(o.pdbs, p)
		case "autoscaling/v2 HorizontalPodAutoscaler":
			h := &autoscalingv2.HorizontalPodAutoscaler{}
			obj, o.hpas = h, append(o.hpas, h)
		case "batch/v1 CronJob":
			c := &batchv1.CronJob{}
			obj, o.cronJobs = c, append(o.cronJobs, c)
		case "v1 ConfigMap":
			obj, o.configMaps[r.GetName()] = &corev1.ConfigMap{}, true
		case "v1 Secret":
			obj, o.secrets[r.GetName()] = &corev1.Secret{}, true
		case "v1 ServiceAccount":
			obj, o.accounts[r.GetName()] = &corev1.ServiceAccount{}, true
		default:
			errs = append(errs, fmt.Errorf("%s: kind not known to the validator (add it)", id))
			continue
		}
		if err := yaml.UnmarshalStrict(b, obj); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
		}
	}
	errs = append(errs, o.check()...)
	return len(rm.Resources()), errors.Join(errs...)
}

func (o objects) check() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	podLabels := map[string]labels.Set{}
	for _, d := range o.deployments {
		id := "Deployment " + d.Name
		sel := d.Spec.Selector
		if sel == nil || len(sel.MatchLabels) == 0 {
			add("%s: no selector.matchLabels", id)
		} else if !labels.SelectorFromSet(sel.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
			add("%s: selector %v does not match the pod template labels %v", id, sel.MatchLabels, d.Spec.Template.Labels)
		}
		podLabels[d.Name] = d.Spec.Template.Labels
		errs = append(errs, o.checkPod(id, d.Spec.Template.Spec, true)...)
	}
	matchesPods := func(sel map[string]string) bool {
		for _, l := range podLabels {
			if len(sel) > 0 && labels.SelectorFromSet(sel).Matches(l) {
				return true
			}
		}
		return false
	}
	for _, p := range o.pdbs {
		if p.Spec.Selector == nil || !matchesPods(p.Spec.Selector.MatchLabels) {
			add("PodDisruptionBudget %s: selector matches no Deployment's pods", p.Name)
		}
	}
	for _, s := range o.services {
		if !matchesPods(s.Spec.Selector) {
			add("Service %s: selector %v matches no Deployment's pods", s.Name, s.Spec.Selector)
		}
	}
	for _, h := range o.hpas {
		ref := h.Spec.ScaleTargetRef
		found := false
		for _, d := range o.deployments {
			found = found || (ref.Kind == "Deployment" && ref.Name == d.Name)
		}
		if !found {
			add("HorizontalPodAutoscaler %s: scaleTargetRef %s/%s not in the overlay", h.Name, ref.Kind, ref.Name)
		}
		if h.Spec.MinReplicas != nil && *h.Spec.MinReplicas > h.Spec.MaxReplicas {
			add("HorizontalPodAutoscaler %s: minReplicas %d > maxReplicas %d", h.Name, *h.Spec.MinReplicas, h.Spec.MaxReplicas)
		}
	}
	for _, c := range o.cronJobs {
		if f := strings.Fields(c.Spec.Schedule); len(f) != 5 {
			add("CronJob %s: schedule %q does not have 5 fields", c.Name, c.Spec.Schedule)
		}
		errs = append(errs, o.checkPod("CronJob "+c.Name, c.Spec.JobTemplate.Spec.Template.Spec, false)...)
	}
	return errs
}

// checkPod checks what every Undertone pod needs: an image, requests, a
// memory limit, non-root, existing ConfigMaps and ServiceAccount, and (for
// long-running pods) probes on declared ports.
func (o objects) checkPod(id string, spec corev1.PodSpec, longRunning bool) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if spec.ServiceAccountName != "" && !o.accounts[spec.ServiceAccountName] {
		add("%s: serviceAccountName %q not in the overlay", id, spec.ServiceAccountName)
	}
	if spec.SecurityContext == nil || spec.SecurityContext.RunAsNonRoot == nil || !*spec.SecurityContext.RunAsNonRoot {
		add("%s: pod securityContext.runAsNonRoot must be true", id)
	}
	if len(spec.Containers) == 0 {
		add("%s: no containers", id)
	}
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
		if v.ConfigMap != nil && !o.configMaps[v.ConfigMap.Name] {
			add("%s: volume %s uses ConfigMap %q, not in the overlay", id, v.Name, v.ConfigMap.Name)
		}
	}
	for _, c := range spec.Containers {
		cid := id + " container " + c.Name
		if c.Image == "" || c.Image == "undertone" {
			add("%s: image %q was not set by the kustomization's images", cid, c.Image)
		}
		req := c.Resources.Requests
		if req.Cpu().IsZero() || req.Memory().IsZero() {
			add("%s: resources.requests needs cpu and memory", cid)
		}
		if c.Resources.Limits.Memory().IsZero() {
			add("%s: resources.limits.memory is required", cid)
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				add("%s: volumeMount %s has no volume", cid, m.Name)
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.ConfigMapRef != nil && !o.configMaps[ef.ConfigMapRef.Name] {
				add("%s: envFrom ConfigMap %q not in the overlay", cid, ef.ConfigMapRef.Name)
			}
		}
		if !longRunning {
			continue
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			ports[p.Name] = true
		}
		for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
			if p == nil || p.HTTPGet == nil {
				add("%s: %s probe (httpGet) is required", cid, name)
				continue
			}
			if port := p.HTTPGet.Port; port.StrVal != "" && !ports[port.StrVal] {
				add("%s: %s probe uses undeclared port %q", cid, name, port.StrVal)
			}
		}
	}
	return errs
}
